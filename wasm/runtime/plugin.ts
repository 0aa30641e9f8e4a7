/**
 * A loaded plugin: one module, one VM at a time. `loadPlugin` compiles the module (metered, memory-capped)
 * and starts a VM (`on_vm_start`, `on_configure`); each request gets a stream from `createStream`. A VM that
 * traps is failed with its streams (per `failStrategy`) and recreated, at most as often as the restart
 * budget allows; until then streams fail as the strategy says.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { AbiVersion } from "../abi/version.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import { type CompiledFilter, compileFilter } from "./compile.ts";
import { type FailStrategy, type PluginEnv, type PluginOptions, resolveOptions } from "./options.ts";
import { RestartBudget } from "./restart_budget.ts";
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
  /** The module's ABI: a Proxy-Wasm version, or `component` for a WIT component (`wasm/component/`). */
  readonly abi: AbiVersion | "component";
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
 * @throws {PluginLoadError} when it cannot: the caller applies `failStrategy` (see `createFailedStream`).
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

/** A stream for a plugin that could not be loaded: it replies 503 (FAIL_CLOSE) or lets traffic through. */
export function createFailedStream(
  options: Pick<PluginOptions, "name" | "failStrategy">,
  info: StreamInfo = {},
): HttpFilterStream {
  return new FilterStream(undefined, resolveOptions(options), info);
}

class WasmPlugin implements Plugin {
  readonly #compiled: CompiledFilter;
  readonly #env: PluginEnv;
  readonly #budget: RestartBudget;
  #vm: WasmVm | undefined;
  #lastError: string | undefined;
  #restarts = 0;
  #disposed = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #events = { failed: (_vm: WasmVm, reason: string) => this.#vmFailed(reason) };

  constructor(compiled: CompiledFilter, env: PluginEnv) {
    this.#compiled = compiled;
    this.#env = env;
    this.#budget = new RestartBudget(env.restartBurst, env.restartIntervalMs);
  }

  get name(): string {
    return this.#env.name;
  }

  get rootId(): string {
    return this.#env.rootId;
  }

  get vmId(): string {
    return this.#env.vmId;
  }

  get abi(): AbiVersion {
    return this.#compiled.abi;
  }

  get failStrategy(): FailStrategy {
    return this.#env.failStrategy;
  }

  get state(): PluginState {
    if (this.#disposed) return "disposed";
    return this.#vm?.alive ? "ready" : "failed";
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the first VM; throws what the VM throws. */
  startFirst(): void {
    this.#vm = this.#newVm();
  }

  createStream(info: StreamInfo = {}): HttpFilterStream {
    let vm = this.#vm;
    if (!vm?.alive && !this.#disposed) vm = this.#restart();
    return new FilterStream(vm?.alive ? vm : undefined, this.#env, info);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    await this.#vm?.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #newVm(): WasmVm {
    const vm = new WasmVm(this.#compiled, this.#env, this.#events);
    try {
      vm.start();
    } catch (e) {
      vm.discard();
      throw e;
    }
    return vm;
  }

  #vmFailed(reason: string): void {
    this.#lastError = reason;
    this.#scheduleRestart();
  }

  /** A new VM if the budget allows one now; otherwise a restart is scheduled. */
  #restart(): WasmVm | undefined {
    if (this.#disposed || this.#vm?.alive) return this.#vm;
    if (!this.#budget.take()) {
      this.#scheduleRestart();
      return undefined;
    }
    try {
      this.#vm = this.#newVm();
      this.#restarts++;
      this.#vm.log(LogLevel.Info, `VM restarted (restart ${this.#restarts}) after: ${this.#lastError}`);
      return this.#vm;
    } catch (e) {
      this.#lastError = (e as Error).message;
      this.#env.logger({
        level: LogLevel.Critical,
        plugin: this.#env.name,
        rootId: this.#env.rootId,
        vmId: this.#env.vmId,
        message: `VM restart failed: ${this.#lastError}`,
      });
      this.#scheduleRestart();
      return undefined;
    }
  }

  #scheduleRestart(): void {
    if (this.#disposed || this.#restartTimer !== undefined) return;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#restart();
    }, this.#budget.wait());
    Deno.unrefTimer(this.#restartTimer);
  }
}
