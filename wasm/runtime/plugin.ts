/**
 * A loaded plugin: one module, one VM at a time. `loadPlugin` compiles the module (metered, memory-capped)
 * and starts a VM (`on_vm_start`, `on_configure`); each request gets a stream from `createStream`. A VM that
 * traps is failed with its streams (per `failStrategy`) and recreated, at most as often as the restart
 * budget allows; until then streams fail as the strategy says.
 * @module
 */
import type { LogLevel } from "../abi/enums.ts";
import type { AbiVersion } from "../abi/version.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import { type CompiledFilter, compileFilter } from "./compile.ts";
import { type FailStrategy, type PluginEnv, type PluginOptions, resolveOptions } from "./options.ts";
import { SupervisedPlugin } from "./supervised_plugin.ts";
import { FilterStream, type HttpFilterStream } from "./stream.ts";
import { WasmVm } from "./vm.ts";

/** Where a plugin stands. */
export type PluginState = "ready" | "failed" | "disposed";

/** A loaded plugin. */
export interface Plugin {
  /** `plugin_name`. */
  readonly name: string;
  /** `plugin_root_id`. */
  readonly rootId: string;
  /** `plugin_vm_id`. */
  readonly vmId: string;
  /**
   * The module's ABI: a Proxy-Wasm version, `component` for a WIT component (`wasm/component/`), `lua` for
   * a Lua script (`wasm/lua/`).
   */
  readonly abi: AbiVersion | "component" | "lua";
  /** What streams do while the VM is down. */
  readonly failStrategy: FailStrategy;
  /** `ready` (a VM serves), `failed` (waiting for a restart), `disposed`. */
  readonly state: PluginState;
  /** Why the VM last failed or could not restart. */
  readonly lastError: string | undefined;
  /** How many times the VM was recreated. */
  readonly restarts: number;
  /** A stream for one request; the data path updates `info` as the stream goes. */
  createStream(info?: StreamInfo): HttpFilterStream;
  /** Stops the VM (`on_done`, `on_delete` on the root context), its timers and calls. */
  dispose(): Promise<void>;
  /** {@linkcode dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Thrown by `loadPlugin` when the module cannot be compiled or its first VM cannot start. */
export class PluginLoadError extends Error {
  /** An error with `message` and `cause`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "PluginLoadError";
  }
}

/**
 * Compiles `bytes` and starts the plugin's VM.
 * @throws {PluginLoadError} when it cannot: the caller applies `failStrategy` (see `createFailedStream` in
 * `failed_stream.ts`).
 */
export async function loadPlugin(bytes: Uint8Array, options: PluginOptions): Promise<Plugin> {
  const env = resolveOptions(options);
  let compiled: CompiledFilter;
  try {
    compiled = await compileFilter(bytes, {
      initialFuel: env.fuelPerCallback === null ? null : env.fuelForStart,
      maxMemoryPages: env.maxMemoryPages,
    });
  } catch (e) {
    throw new PluginLoadError(`Cannot load plugin "${env.name}": ${(e as Error).message}`, e);
  }
  const plugin = new WasmPlugin(compiled, env);
  try {
    plugin.startFirst();
  } catch (e) {
    await plugin.dispose();
    throw new PluginLoadError(`Cannot start plugin "${env.name}": ${(e as Error).message}`, e);
  }
  return plugin;
}

class WasmPlugin extends SupervisedPlugin<WasmVm> implements Plugin {
  readonly #compiled: CompiledFilter;
  readonly #events = { failed: (_vm: WasmVm, reason: string) => this.vmFailed(reason) };

  constructor(compiled: CompiledFilter, env: PluginEnv) {
    super(env);
    this.#compiled = compiled;
  }

  get abi(): AbiVersion {
    return this.#compiled.abi;
  }

  createStream(info: StreamInfo = {}): HttpFilterStream {
    return new FilterStream(this.liveVm(), this.env, info);
  }

  protected newVm(): WasmVm {
    const vm = new WasmVm(this.#compiled, this.env, this.#events);
    try {
      vm.start();
    } catch (e) {
      vm.discard();
      throw e;
    }
    return vm;
  }

  protected async disposeVm(vm: WasmVm | undefined): Promise<void> {
    await vm?.dispose();
  }

  protected logTo(vm: WasmVm, level: LogLevel, message: string): void {
    vm.log(level, message);
  }
}
