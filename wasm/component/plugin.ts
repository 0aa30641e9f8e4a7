/**
 * A WasmPlugin whose module is a component, behind the same {@linkcode Plugin} the Proxy-Wasm host gives:
 * `loadComponentPlugin` transpiles (cached by digest), compiles (metered, capped) and starts a VM
 * (`configure` with the plugin configuration); each request gets a {@linkcode ComponentStream}. A VM that
 * fails is recreated as the restart budget allows, as Proxy-Wasm VMs are. The direct path runs unless the
 * component's shape needs jco's glue (or `mode: "jco"` asks for it).
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import { type FailStrategy, type PluginEnv, type PluginOptions, resolveOptions } from "../runtime/options.ts";
import { type Plugin, PluginLoadError, type PluginState } from "../runtime/plugin.ts";
import { RestartBudget } from "../runtime/restart_budget.ts";
import type { HttpFilterStream } from "../runtime/stream.ts";
import { compileComponent, type CompiledComponent } from "./compile.ts";
import type { ComponentMode } from "./instance.ts";
import { ComponentStream } from "./stream.ts";
import { ComponentVm, type GlueLoader, prepareMode } from "./vm.ts";

/** Options of a component plugin: the Proxy-Wasm plugin's, plus where and how the component runs. */
export interface ComponentPluginOptions extends PluginOptions {
  /** How the component is called: `direct` (the default; falls back to `jco` when it cannot) or `jco`. */
  mode?: ComponentMode;
  /** Where transpiled components are cached. @default {".cache/components"} */
  componentCacheDir?: string;
}

/** A loaded component plugin. */
export interface ComponentPlugin extends Plugin {
  /** How its VMs run. */
  readonly mode: ComponentMode;
  /** Why the direct path is not used, when it is not. */
  readonly directRefusal: string | undefined;
}

/**
 * Transpiles, compiles and starts component `bytes`.
 * @throws {PluginLoadError} when it is not a valid component of the world or its first VM cannot start.
 */
export async function loadComponentPlugin(
  bytes: Uint8Array,
  options: ComponentPluginOptions,
): Promise<ComponentPlugin> {
  const env = resolveOptions(options);
  let compiled: CompiledComponent;
  let glue: GlueLoader | undefined;
  let mode: ComponentMode;
  try {
    compiled = await compileComponent(bytes, {
      initialFuel: env.fuelPerCallback === null ? null : env.fuelForStart,
      maxMemoryPages: env.maxMemoryPages,
      cacheDir: options.componentCacheDir,
    });
    mode = options.mode === "jco" || !compiled.direct ? "jco" : "direct";
    glue = await prepareMode(compiled, mode);
  } catch (e) {
    throw new PluginLoadError(`Cannot load component plugin "${env.name}": ${(e as Error).message}`, e);
  }
  const plugin = new ComponentWasmPlugin(compiled, env, mode, glue);
  try {
    plugin.startFirst();
  } catch (e) {
    await plugin.dispose();
    throw new PluginLoadError(`Cannot start component plugin "${env.name}": ${(e as Error).message}`, e);
  }
  if (options.mode !== "jco" && mode === "jco") {
    env.logger({
      level: LogLevel.Info,
      plugin: env.name,
      rootId: env.rootId,
      vmId: env.vmId,
      message: `component runs through jco's glue: ${compiled.directRefusal}`,
    });
  }
  return plugin;
}

class ComponentWasmPlugin implements ComponentPlugin {
  readonly abi = "component" as const;
  readonly mode: ComponentMode;
  readonly #compiled: CompiledComponent;
  readonly #env: PluginEnv;
  readonly #glue: GlueLoader | undefined;
  readonly #budget: RestartBudget;
  #vm: ComponentVm | undefined;
  #lastError: string | undefined;
  #restarts = 0;
  #disposed = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    compiled: CompiledComponent,
    env: PluginEnv,
    mode: ComponentMode,
    glue: GlueLoader | undefined,
  ) {
    this.#compiled = compiled;
    this.#env = env;
    this.mode = mode;
    this.#glue = glue;
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

  get failStrategy(): FailStrategy {
    return this.#env.failStrategy;
  }

  get directRefusal(): string | undefined {
    return this.#compiled.directRefusal;
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

  /** Starts the first VM; throws what starting throws. */
  startFirst(): void {
    this.#vm = this.#newVm();
  }

  createStream(info: StreamInfo = {}): HttpFilterStream {
    let vm = this.#vm;
    if (!vm?.alive && !this.#disposed) vm = this.#restart();
    return new ComponentStream(vm?.alive ? vm : undefined, this.#env, info);
  }

  dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#vm = undefined;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #newVm(): ComponentVm {
    return new ComponentVm(this.#compiled, this.#env, this.#glue, (reason) => {
      this.#lastError = reason;
      this.#scheduleRestart();
    });
  }

  #restart(): ComponentVm | undefined {
    if (this.#disposed || this.#vm?.alive) return this.#vm;
    if (!this.#budget.take()) {
      this.#scheduleRestart();
      return undefined;
    }
    try {
      this.#vm = this.#newVm();
      this.#restarts++;
      this.#vm.host.log(LogLevel.Info, `VM restarted (restart ${this.#restarts}) after: ${this.#lastError}`);
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
