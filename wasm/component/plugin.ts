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
import { type PluginEnv, type PluginOptions, resolveOptions } from "../runtime/options.ts";
import { type Plugin, PluginLoadError } from "../runtime/plugin.ts";
import { SupervisedPlugin } from "../runtime/supervised_plugin.ts";
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

class ComponentWasmPlugin extends SupervisedPlugin<ComponentVm> implements ComponentPlugin {
  readonly abi = "component" as const;
  readonly mode: ComponentMode;
  readonly #compiled: CompiledComponent;
  readonly #glue: GlueLoader | undefined;

  constructor(
    compiled: CompiledComponent,
    env: PluginEnv,
    mode: ComponentMode,
    glue: GlueLoader | undefined,
  ) {
    super(env);
    this.#compiled = compiled;
    this.mode = mode;
    this.#glue = glue;
  }

  get directRefusal(): string | undefined {
    return this.#compiled.directRefusal;
  }

  createStream(info: StreamInfo = {}): HttpFilterStream {
    return new ComponentStream(this.liveVm(), this.env, info);
  }

  protected newVm(): ComponentVm {
    return new ComponentVm(this.#compiled, this.env, this.#glue, (reason) => this.vmFailed(reason));
  }

  protected disposeVm(): Promise<void> {
    return Promise.resolve();
  }

  protected logTo(vm: ComponentVm, level: LogLevel, message: string): void {
    vm.host.log(level, message);
  }
}
