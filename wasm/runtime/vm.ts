/**
 * One instance of a filter module (a VM) and everything that lives as long as it: its memory, root context,
 * stream contexts, effective context, tick timer, pending HTTP calls and queue registrations. Every call into
 * the guest goes through {@linkcode WasmVm.call}, which sets the effective context and the fuel budget and
 * turns a trap into a failed VM.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { LogLevel } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import type { AbiVersion } from "../abi/version.ts";
import { GuestMemory } from "../guest/memory.ts";
import { buildImports } from "../host/imports.ts";
import { FUEL_EXPORT } from "../sandbox/fuel.ts";
import { describeTrap, ProcExit } from "../sandbox/trap.ts";
import type { QueueOwner } from "../state/shared_queue.ts";
import type { CalloutResponse } from "./callout.ts";
import type { CompiledFilter } from "./compile.ts";
import type { HostContext, StreamHostContext } from "./context.ts";
import type { PluginEnv } from "./options.ts";
import { RootContext } from "./root_context.ts";

/** A guest export called with numbers. */
export type GuestFn = (...args: number[]) => number;

/** The callbacks the host may call, by export name. */
export const CALLBACK_NAMES = [
  "_initialize",
  "_start",
  "main",
  "proxy_on_memory_allocate",
  "malloc",
  "proxy_on_context_create",
  "proxy_on_vm_start",
  "proxy_on_configure",
  "proxy_on_tick",
  "proxy_on_request_headers",
  "proxy_on_request_body",
  "proxy_on_request_trailers",
  "proxy_on_response_headers",
  "proxy_on_response_body",
  "proxy_on_response_trailers",
  "proxy_on_done",
  "proxy_on_log",
  "proxy_on_delete",
  "proxy_on_http_call_response",
  "proxy_on_queue_ready",
] as const;

/** One of {@linkcode CALLBACK_NAMES}. */
export type CallbackName = typeof CALLBACK_NAMES[number];

/** What the VM tells its plugin. */
export interface VmEvents {
  /** The VM trapped (or otherwise failed) and can no longer be called. */
  failed(vm: WasmVm, reason: string): void;
}

/** Thrown when a VM cannot start: link error, trap in start code, `on_vm_start`/`on_configure` false. */
export class VmStartError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "VmStartError";
  }
}

/** The response of the HTTP call being delivered (maps 6 and 7, buffer 4). */
export interface CallResponseView {
  /** `:status` first, then the response headers. */
  readonly headers: HeaderList;
  /** Response body. */
  readonly body: Uint8Array;
  /** Response trailers. */
  readonly trailers: HeaderList;
}

interface PendingCall {
  readonly controller: AbortController;
  cancelTimer: (() => void) | undefined;
}

const ROOT_CONTEXT_ID = 1;
const DONE_GRACE_MS = 1000;

/** A running instance of a filter. */
export class WasmVm implements QueueOwner {
  /** The plugin's settings. */
  readonly env: PluginEnv;
  /** The ABI the module speaks. */
  readonly abi: AbiVersion;
  /** The root context. */
  readonly root: RootContext;
  /** Live stream contexts by id. */
  readonly streams: Map<number, StreamHostContext> = new Map();
  /** Exported callbacks (absent ones are skipped). */
  readonly callbacks: Readonly<Partial<Record<CallbackName, GuestFn>>>;
  /** The guest's memory (set once instantiation returns). */
  memory!: GuestMemory;
  /** The context host functions act on. */
  effective: HostContext;
  /** The HTTP call response being delivered, if any. */
  callResponse: CallResponseView | undefined;
  /** Whether `on_vm_start` is running (0.1.0's `proxy_get_configuration` returns the VM config then). */
  inVmStart = false;
  /** Set once the VM failed; it is never called again. */
  failure: string | undefined;
  /** Set once the VM was disposed. */
  disposed = false;

  readonly #events: VmEvents;
  readonly #fuel: WebAssembly.Global | undefined;
  #budget: number;
  #nextContextId = ROOT_CONTEXT_ID + 1;
  #nextCallToken = 1;
  readonly #pendingCalls = new Map<number, PendingCall>();
  #tickPeriod = 0;
  #cancelTick: (() => void) | undefined;
  #doneWaiter: (() => void) | undefined;

  /**
   * Instantiates `compiled` (running its start function, if any).
   * @throws {VmStartError} when instantiation fails.
   */
  constructor(compiled: CompiledFilter, env: PluginEnv, events: VmEvents) {
    this.env = env;
    this.abi = compiled.abi;
    this.#events = events;
    this.root = new RootContext(ROOT_CONTEXT_ID, env);
    this.effective = this.root;
    this.#budget = env.fuelForStart;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(compiled.module, buildImports(this));
    } catch (e) {
      const why = this.memory === undefined && e instanceof TypeError
        ? "its start function called a host function before its memory was available"
        : describeTrap(e, undefined, this.#budget);
      throw new VmStartError(`Cannot instantiate the module: ${why}`);
    }
    const exports = instance.exports;
    if (!(exports.memory instanceof WebAssembly.Memory)) {
      throw new VmStartError("Cannot instantiate the module: it exports no memory");
    }
    const callbacks: Partial<Record<CallbackName, GuestFn>> = {};
    for (const name of CALLBACK_NAMES) {
      if (typeof exports[name] === "function") callbacks[name] = exports[name] as GuestFn;
    }
    this.callbacks = callbacks;
    const fuel = exports[FUEL_EXPORT];
    this.#fuel = compiled.metered && fuel instanceof WebAssembly.Global ? fuel : undefined;
    const allocate = callbacks.proxy_on_memory_allocate ?? callbacks.malloc;
    this.memory = new GuestMemory(exports.memory, allocate);
  }

  /** Whether the VM can be called. */
  get alive(): boolean {
    return this.failure === undefined && !this.disposed;
  }

  /**
   * Runs the start sequence: `_initialize` (and `main`) or `_start`, the root context, `on_vm_start`,
   * `on_configure`.
   * @throws {VmStartError} when a step traps or returns false.
   */
  start(): void {
    const c = this.callbacks;
    const init = c._initialize ?? c._start;
    if (init) this.#startStep(c._initialize ? "_initialize" : "_start", init);
    if (c._initialize && c.main) this.#startStep("main", c.main, 0, 0);
    if (c.proxy_on_context_create) {
      this.#startStep("proxy_on_context_create", c.proxy_on_context_create, this.root.id, 0);
    }
    if (c.proxy_on_vm_start) {
      this.inVmStart = true;
      const ok = this.#startStep(
        "proxy_on_vm_start",
        c.proxy_on_vm_start,
        this.root.id,
        this.env.vmConfig.length,
      );
      this.inVmStart = false;
      if (ok === 0) throw new VmStartError("Cannot start the VM: proxy_on_vm_start returned false");
    }
    if (c.proxy_on_configure) {
      const ok = this.#startStep(
        "proxy_on_configure",
        c.proxy_on_configure,
        this.root.id,
        this.env.pluginConfig.length,
      );
      if (ok === 0) throw new VmStartError("Cannot configure the plugin: proxy_on_configure returned false");
    }
    this.#budget = this.env.fuelPerCallback ?? 0;
  }

  #startStep(name: string, fn: GuestFn, a = 0, b = 0): number {
    const result = this.call(name, this.root, fn, a, b);
    if (this.failure !== undefined) {
      throw new VmStartError(`Cannot start the VM: ${name} failed: ${this.failure}`);
    }
    return result;
  }

  /** A fresh stream context id. */
  takeContextId(): number {
    return this.#nextContextId++;
  }

  /**
   * Calls `fn` with `ctx` as the effective context and a full fuel budget; a trap fails the VM (and returns
   * 0). Callers check {@linkcode alive} afterwards.
   */
  call(name: string, ctx: HostContext, fn: GuestFn, a = 0, b = 0, c = 0, d = 0, e = 0): number {
    if (this.failure !== undefined || this.disposed) return 0;
    const previous = this.effective;
    this.effective = ctx;
    const fuel = this.#fuel;
    if (fuel !== undefined) fuel.value = this.#budget;
    try {
      return fn(a, b, c, d, e);
    } catch (error) {
      // A WASI command's `_start` may end with proc_exit(0): that is a finished start, not a failure.
      if (name === "_start" && error instanceof ProcExit && error.code === 0) return 0;
      this.fail(`${name} failed: ${describeTrap(error, fuel?.value as number | undefined, this.#budget)}`);
      return 0;
    } finally {
      this.effective = previous;
    }
  }

  /** Marks the VM failed, fails its streams, stops its timers and calls, and tells the plugin. */
  fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.log(LogLevel.Critical, reason);
    const streams = [...this.streams.values()];
    this.#teardown();
    for (const stream of streams) stream.vmFailed();
    this.#events.failed(this, reason);
  }

  /** Writes a message to the plugin's logger, if at or above its level. */
  log(level: number, message: string): void {
    if (level < this.env.logLevel) return;
    const env = this.env;
    try {
      env.logger({ level: level as LogLevel, plugin: env.name, rootId: env.rootId, vmId: env.vmId, message });
    } catch {
      // A failing log sink must not fail the filter.
    }
  }

  /** `proxy_set_tick_period_milliseconds`: 0 stops the timer. */
  setTickPeriod(ms: number): void {
    this.#tickPeriod = ms;
    this.#cancelTick?.();
    this.#cancelTick = undefined;
    this.#scheduleTick();
  }

  #scheduleTick(): void {
    if (this.#tickPeriod <= 0 || !this.alive || this.#cancelTick !== undefined) return;
    this.#cancelTick = this.env.clock.schedule(
      () => {
        this.#cancelTick = undefined;
        const fn = this.callbacks.proxy_on_tick;
        if (fn) this.call("proxy_on_tick", this.root, fn, this.root.id);
        this.#scheduleTick();
      },
      this.#tickPeriod,
      true,
    );
  }

  /** `proxy_http_call`: starts the callout; the response goes to the root context. */
  httpCall(
    cluster: string,
    headers: HeaderList,
    body: Uint8Array,
    trailers: HeaderList,
    timeoutMs: number,
  ): { status: Status; token: number } {
    const callout = this.env.callout;
    if (!callout) return { status: Status.BadArgument, token: 0 };
    const controller = new AbortController();
    let started: Promise<CalloutResponse> | undefined;
    try {
      started = callout({ cluster, headers, body, trailers, timeoutMs, signal: controller.signal });
    } catch (e) {
      this.log(LogLevel.Error, `http_call to "${cluster}" failed to start: ${(e as Error).message}`);
      return { status: Status.InternalFailure, token: 0 };
    }
    if (!started) return { status: Status.BadArgument, token: 0 };
    const token = this.#nextCallToken++;
    const pending: PendingCall = { controller, cancelTimer: undefined };
    this.#pendingCalls.set(token, pending);
    if (timeoutMs > 0) {
      pending.cancelTimer = this.env.clock.schedule(() => {
        controller.abort(new DOMException("The HTTP call timed out", "TimeoutError"));
        this.#deliverCall(token, undefined);
      }, timeoutMs);
    }
    started.then((response) => this.#deliverCall(token, response), () => this.#deliverCall(token, undefined));
    return { status: Status.Ok, token };
  }

  #deliverCall(token: number, response: CalloutResponse | undefined): void {
    const pending = this.#pendingCalls.get(token);
    if (!pending) return;
    this.#pendingCalls.delete(token);
    pending.cancelTimer?.();
    const fn = this.callbacks.proxy_on_http_call_response;
    if (!fn || !this.alive) return;
    if (!response) {
      this.call("proxy_on_http_call_response", this.root, fn, this.root.id, token, 0, 0, 0);
      return;
    }
    const headers = new HeaderList([":status", String(response.status), ...response.headers.fields]);
    const trailers = response.trailers ?? new HeaderList();
    this.callResponse = { headers, body: response.body, trailers };
    try {
      this.call(
        "proxy_on_http_call_response",
        this.root,
        fn,
        this.root.id,
        token,
        headers.length,
        response.body.length,
        trailers.length,
      );
    } finally {
      this.callResponse = undefined;
    }
  }

  /** Delivers `proxy_on_queue_ready` for queue `queueId` (posted by the shared queues). */
  queueReady(queueId: number): void {
    const fn = this.callbacks.proxy_on_queue_ready;
    if (fn && this.alive) this.call("proxy_on_queue_ready", this.root, fn, this.root.id, queueId);
  }

  /** `proxy_done` from the root context: a deferred `on_done` may finish. */
  done(ctx: HostContext): Status {
    const waiter = this.#doneWaiter;
    if (ctx !== this.root || !waiter) return Status.NotFound;
    this.#doneWaiter = undefined;
    queueMicrotask(waiter);
    return Status.Ok;
  }

  /**
   * Ends the VM: `on_done` on the root context (waiting up to a second for `proxy_done` when it returns
   * false), `on_delete`, then timers, calls and queue registrations are dropped.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    const c = this.callbacks;
    if (this.alive && c.proxy_on_done) {
      const done = this.call("proxy_on_done", this.root, c.proxy_on_done, this.root.id);
      if (done === 0 && this.alive) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          this.#doneWaiter = resolve;
          timer = setTimeout(resolve, DONE_GRACE_MS);
        });
        clearTimeout(timer);
        this.#doneWaiter = undefined;
      }
    }
    if (this.alive && c.proxy_on_delete) {
      this.call("proxy_on_delete", this.root, c.proxy_on_delete, this.root.id);
    }
    this.disposed = true;
    this.#teardown();
  }

  /** Ends a VM that never served (its start failed): no callbacks, just timers, calls and queues dropped. */
  discard(): void {
    this.disposed = true;
    this.#teardown();
  }

  #teardown(): void {
    this.#cancelTick?.();
    this.#cancelTick = undefined;
    this.#tickPeriod = 0;
    for (const pending of this.#pendingCalls.values()) {
      pending.cancelTimer?.();
      pending.controller.abort(new DOMException("The filter's VM went away", "AbortError"));
    }
    this.#pendingCalls.clear();
    this.env.sharedQueues.release(this);
    this.streams.clear();
  }
}
