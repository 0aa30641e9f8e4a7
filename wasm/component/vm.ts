/**
 * One VM of a component plugin: an instance (direct or through jco's glue), its imports, and the rules of
 * a call: the fuel budget set on every metered core module, the hook's stream made current for the
 * imports, and any exception (a trap, fuel running out, a canonical ABI violation, a refused host call)
 * turning into a failed VM, logged at critical level, as a Proxy-Wasm VM fails.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { PluginEnv } from "../runtime/options.ts";
import { describeTrap } from "../sandbox/trap.ts";
import type { CompiledComponent } from "./compile.ts";
import { DirectInstance } from "./direct_instance.ts";
import { GlueInstance, loadGlue } from "./glue_instance.ts";
import { ComponentHost, type HostStream } from "./host.ts";
import type { ComponentInstance, ComponentMode } from "./instance.ts";

/** Thrown when a VM cannot start: instantiation or `configure` failed. */
export class ComponentStartError extends Error {
  /** An error with `message`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "ComponentStartError";
  }
}

/** The glue's `instantiate`, loaded ahead of time when the glue path is used. */
export type GlueLoader = Awaited<ReturnType<typeof loadGlue>>;

/** Loads what a VM of `compiled` in `mode` needs before it can start synchronously. */
export async function prepareMode(
  compiled: CompiledComponent,
  mode: ComponentMode,
): Promise<GlueLoader | undefined> {
  return mode === "jco" ? await loadGlue(compiled) : undefined;
}

/** A running component. */
export class ComponentVm {
  readonly host: ComponentHost;
  readonly instance: ComponentInstance;
  /** Why it failed, once it has. */
  failure: string | undefined;
  readonly #failed: (reason: string) => void;
  #budget: number;
  #starting = true;

  /**
   * Instantiates `compiled` and configures it with the plugin configuration.
   * @throws {ComponentStartError} when instantiation traps or `configure` fails or returns an error.
   */
  constructor(
    compiled: CompiledComponent,
    env: PluginEnv,
    glue: GlueLoader | undefined,
    failed: (reason: string) => void,
  ) {
    this.#failed = failed;
    this.#budget = env.fuelForStart;
    this.host = new ComponentHost(env);
    try {
      this.instance = glue
        ? new GlueInstance(compiled, glue, this.host)
        : new DirectInstance(compiled.main, this.host);
    } catch (e) {
      throw new ComponentStartError(`Cannot instantiate the component: ${describeTrap(e, undefined, 0)}`, e);
    }
    const error = this.call(undefined, () => this.instance.configure(env.pluginConfig));
    if (this.failure !== undefined) throw new ComponentStartError(`Cannot start the VM: ${this.failure}`);
    if (error !== undefined) throw new ComponentStartError(`Cannot configure the plugin: ${error}`);
    this.#budget = env.fuelPerCallback ?? 0;
    this.#starting = false;
  }

  /** How the instance runs. */
  get mode(): ComponentMode {
    return this.instance.mode;
  }

  /** Whether the VM can still be called. */
  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Runs `fn` (a call into the instance) for `stream`; undefined when the VM is failed or fails in it. */
  call<T>(stream: HostStream | undefined, fn: () => T): T | undefined {
    if (this.failure !== undefined) return undefined;
    const fuel = this.instance.fuel;
    const budget = this.#budget;
    for (let i = 0; i < fuel.length; i++) fuel[i].value = budget;
    this.host.current = stream;
    try {
      return fn();
    } catch (error) {
      let left: number | undefined;
      for (const g of fuel) left = Math.min(left ?? Infinity, g.value as number);
      this.fail(describeTrap(error, left, budget));
      return undefined;
    } finally {
      this.host.current = undefined;
    }
  }

  /** Marks the VM failed and tells the plugin. */
  fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.host.log(LogLevel.Critical, `VM failed: ${reason}`);
    if (!this.#starting) this.#failed(reason);
  }
}
