/**
 * What a plugin of either format (Proxy-Wasm module or WIT component) does around its VM: one VM at a time,
 * recreated after it fails as often as the restart budget allows (a timer retries when it does not), the
 * state, last error and restart count `/config_dump` shows, and disposal.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { FailStrategy, PluginEnv } from "./options.ts";
import type { PluginState } from "./plugin.ts";
import { RestartBudget } from "./restart_budget.ts";

/** The part of a VM the supervision reads. */
export interface SupervisedVm {
  /** False once the VM failed (trapped, ran out of fuel) or was disposed. */
  readonly alive: boolean;
}

/** A plugin's VM lifecycle; subclasses say how a VM starts, logs and goes away. */
export abstract class SupervisedPlugin<V extends SupervisedVm> {
  /** The plugin's options, defaults applied. */
  protected readonly env: PluginEnv;
  readonly #budget: RestartBudget;
  #vm: V | undefined;
  #lastError: string | undefined;
  #restarts = 0;
  #disposed = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;

  /** A plugin with no VM yet; {@linkcode startFirst} starts one. */
  constructor(env: PluginEnv) {
    this.env = env;
    this.#budget = new RestartBudget(env.restartBurst, env.restartIntervalMs);
  }

  /** `plugin_name`. */
  get name(): string {
    return this.env.name;
  }

  /** `plugin_root_id`. */
  get rootId(): string {
    return this.env.rootId;
  }

  /** `plugin_vm_id`. */
  get vmId(): string {
    return this.env.vmId;
  }

  /** What streams do while the VM is down. */
  get failStrategy(): FailStrategy {
    return this.env.failStrategy;
  }

  /** `ready` (a VM serves), `failed` (waiting for a restart), `disposed`. */
  get state(): PluginState {
    if (this.#disposed) return "disposed";
    return this.#vm?.alive ? "ready" : "failed";
  }

  /** Why the VM last failed or could not restart. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** How many times the VM was recreated. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the first VM; throws what starting it throws. */
  startFirst(): void {
    this.#vm = this.newVm();
  }

  /** Stops the VM and any pending restart. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    await this.disposeVm(this.#vm);
  }

  /** {@linkcode dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** The VM to serve a new stream: the current one, or a new one when it failed and the budget allows. */
  protected liveVm(): V | undefined {
    let vm = this.#vm;
    if (!vm?.alive && !this.#disposed) vm = this.#restart();
    return vm?.alive ? vm : undefined;
  }

  /** To be called when a VM fails: notes why and schedules its replacement. */
  protected vmFailed(reason: string): void {
    this.#lastError = reason;
    this.#scheduleRestart();
  }

  /** Starts a new VM; throws when it cannot. */
  protected abstract newVm(): V;
  /** Releases a VM (undefined: there is none). */
  protected abstract disposeVm(vm: V | undefined): Promise<void>;
  /** Writes `message` to the plugin's log through `vm`. */
  protected abstract logTo(vm: V, level: LogLevel, message: string): void;

  /** A new VM if the budget allows one now; otherwise a restart is scheduled. */
  #restart(): V | undefined {
    if (this.#disposed || this.#vm?.alive) return this.#vm;
    if (!this.#budget.take()) {
      this.#scheduleRestart();
      return undefined;
    }
    try {
      const vm = this.#vm = this.newVm();
      this.#restarts++;
      this.logTo(vm, LogLevel.Info, `VM restarted (restart ${this.#restarts}) after: ${this.#lastError}`);
      return vm;
    } catch (e) {
      this.#lastError = (e as Error).message;
      this.env.logger({
        level: LogLevel.Critical,
        plugin: this.env.name,
        rootId: this.env.rootId,
        vmId: this.env.vmId,
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
