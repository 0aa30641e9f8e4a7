/**
 * A Lua filter (a `TrafficExtension` with `lua.inlineCode`) behind the same {@linkcode Plugin} the Proxy-Wasm
 * and component hosts give: `loadLuaPlugin` starts an interpreter instance (`runtime.ts`) and a first VM
 * (`vm.ts`: the prelude, then the script's top level); each request gets a {@linkcode LuaStream}. A failed VM
 * is replaced by a new Lua state in the same instance, as often as the restart budget allows
 * (`SupervisedPlugin`). One state serves every request, one pooled coroutine per call: nothing is created
 * per request.
 * @module
 */
import type { LogLevel } from "../abi/enums.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import { type PluginOptions, resolveOptions } from "../runtime/options.ts";
import { type Plugin, PluginLoadError } from "../runtime/plugin.ts";
import type { HttpFilterStream } from "../runtime/stream.ts";
import { SupervisedPlugin } from "../runtime/supervised_plugin.ts";
import { LuaHost } from "./host.ts";
import { LuaRuntime } from "./runtime.ts";
import { LuaStream } from "./stream.ts";
import { type LuaLimits, LuaVm } from "./vm.ts";

/**
 * Options of a Lua plugin: the plugin options that apply to Lua (`limits.maxMemoryBytes` caps the Lua heap,
 * `limits.maxBodyBytes` what `body()` may hold, `callout` carries `httpCall()`) and the instruction budgets.
 */
export interface LuaPluginOptions
  extends
    Pick<PluginOptions, "name" | "logger" | "logLevel" | "failStrategy" | "limits" | "restart" | "callout"> {
  /**
   * Lua VM instructions one call (a handler, or its resumption after `body()`) may run before the VM fails;
   * null: unbounded. A single library call (a long `string.rep`, a pathological pattern) counts as one.
   * @default {5_000_000} (about 100 ms of a runaway loop on a 2-core machine)
   */
  instructionsPerCall?: number | null;
  /**
   * Instructions for loading the script (its top level).
   * @default {100_000_000}
   */
  instructionsForStart?: number;
}

/**
 * Starts a Lua interpreter and runs `code` in it.
 * @throws {PluginLoadError} for a syntax error, an error in the script's top level, or a limit reached there.
 */
export async function loadLuaPlugin(code: string, options: LuaPluginOptions): Promise<Plugin> {
  const env = resolveOptions(options);
  const limits: LuaLimits = {
    instructionsPerCall: options.instructionsPerCall === undefined ? 5_000_000 : options.instructionsPerCall,
    instructionsForStart: options.instructionsForStart ?? 100_000_000,
    maxHeapBytes: env.maxMemoryPages * 65536,
  };
  let runtime: LuaRuntime;
  try {
    runtime = await LuaRuntime.create();
  } catch (e) {
    throw new PluginLoadError(`Cannot start the Lua runtime for "${env.name}": ${(e as Error).message}`, e);
  }
  const plugin = new LuaPlugin(runtime, code, env, limits);
  try {
    plugin.startFirst();
  } catch (e) {
    await plugin.dispose();
    throw new PluginLoadError(`Cannot load Lua plugin "${env.name}": ${(e as Error).message}`, e);
  }
  return plugin;
}

class LuaPlugin extends SupervisedPlugin<LuaVm> implements Plugin {
  readonly abi = "lua" as const;
  readonly #runtime: LuaRuntime;
  readonly #host: LuaHost;
  readonly #code: string;
  readonly #limits: LuaLimits;

  constructor(runtime: LuaRuntime, code: string, env: ReturnType<typeof resolveOptions>, limits: LuaLimits) {
    super(env);
    this.#runtime = runtime;
    this.#code = code;
    this.#limits = limits;
    this.#host = new LuaHost(runtime, (level, message) => {
      if (level < env.logLevel) return;
      env.logger({ level, plugin: env.name, rootId: env.rootId, vmId: env.vmId, message });
    }, env.callout);
  }

  createStream(info: StreamInfo = {}): HttpFilterStream {
    return new LuaStream(this.liveVm(), this.env, info);
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    this.#host.dispose();
  }

  protected newVm(): LuaVm {
    return new LuaVm(this.#runtime, this.#host, this.env, this.#limits, this.#code, (r) => this.vmFailed(r));
  }

  protected disposeVm(vm: LuaVm | undefined): Promise<void> {
    vm?.close();
    return Promise.resolve();
  }

  protected logTo(vm: LuaVm, level: LogLevel, message: string): void {
    vm.log(level, message);
  }
}
