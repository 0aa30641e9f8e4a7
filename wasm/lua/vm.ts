/**
 * One Lua state of a Lua plugin: the standard libraries, closed by the prelude into a sandbox, the two stream
 * handles, the script with its `envoy_on_request`/`envoy_on_response`, and a pool of coroutines (every call
 * runs in one, as in Envoy, so `body()` can wait). A call is bounded: a count hook charges the instruction
 * budget every {@linkcode HOOK_STEP} instructions and, once it is spent, raises an error at every instruction
 * until the call unwinds (a `pcall` in the script cannot hold on); the runtime's allocator refuses heap past
 * the cap. Either, or an exception out of the interpreter, fails the VM. A script error does not: the stream
 * logs it and goes on, as Envoy's Lua filter does.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { CalloutResponse } from "../runtime/callout.ts";
import type { PluginEnv } from "../runtime/options.ts";
import { describeTrap } from "../sandbox/trap.ts";
import type { LuaHost, LuaHostStream } from "./host.ts";
import { PRELUDE } from "./prelude.ts";
import { type LuaRuntime, LuaStatus, LuaType, MASK_COUNT, REGISTRY_INDEX } from "./runtime.ts";

/** Lua instructions between two runs of the budget hook. */
export const HOOK_STEP = 1000;
const POOL_MAX = 32;
const DIRECTIONS = ["envoy_on_request", "envoy_on_response"] as const;

/** The bounds of one Lua VM. */
export interface LuaLimits {
  /** VM instructions one call may run; null: unbounded. */
  readonly instructionsPerCall: number | null;
  /** VM instructions for the prelude and the script's top level. */
  readonly instructionsForStart: number;
  /** Most bytes the Lua heap may hold. */
  readonly maxHeapBytes: number;
}

/** How a call into the script ended. */
export type RunResult =
  /** The function returned; its coroutine is back in the pool. */
  | { readonly kind: "done" }
  /** The coroutine yielded (`body()`, `respond()`, or the script itself): resume or discard it. */
  | { readonly kind: "yielded"; readonly thread: number }
  /** The script raised `message`; its coroutine is discarded. */
  | { readonly kind: "error"; readonly message: string }
  /** The VM failed (now or before). */
  | { readonly kind: "failed" };

const UPSTREAM_FAILURE = new TextEncoder().encode("upstream failure");
const DONE: RunResult = Object.freeze({ kind: "done" });
const FAILED: RunResult = Object.freeze({ kind: "failed" });

/** Thrown when a VM cannot start: a syntax error, an error in the script's top level, a limit. */
export class LuaStartError extends Error {
  /** An error with `message`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "LuaStartError";
  }
}

/** A running Lua state. */
export class LuaVm {
  /** Why it failed, once it has. */
  failure: string | undefined;
  readonly #runtime: LuaRuntime;
  readonly #host: LuaHost;
  readonly #env: PluginEnv;
  readonly #limits: LuaLimits;
  readonly #failed: (reason: string) => void;
  readonly #L: number;
  readonly #hook: number;
  readonly #functions: [bigint | undefined, bigint | undefined] = [undefined, undefined];
  readonly #handles: [bigint, bigint] = [0n, 0n];
  readonly #idle: number[] = [];
  readonly #threadRefs = new Map<number, number>();
  #budget = 0;
  #exhausted = false;
  #top = 0;
  #starting = true;
  #closed = false;

  /**
   * A state running `code` (its top level runs now).
   * @throws {LuaStartError} for a syntax error, an error in the top level, or a limit reached while loading.
   */
  constructor(
    runtime: LuaRuntime,
    host: LuaHost,
    env: PluginEnv,
    limits: LuaLimits,
    code: string,
    failed: (reason: string) => void,
  ) {
    if (runtime.broken) throw new LuaStartError(`the Lua runtime is unusable after ${runtime.broken}`);
    this.#runtime = runtime;
    this.#host = host;
    this.#env = env;
    this.#limits = limits;
    this.#failed = failed;
    const api = runtime.api;
    runtime.heapLimit = limits.maxHeapBytes;
    const L = api.lua_newstate(runtime.allocator, 0);
    if (L === 0) throw new LuaStartError("cannot create a Lua state");
    this.#L = L;
    api.lua_atpanic(L, runtime.panic);
    api.luaL_openlibs(L);
    this.#hook = runtime.addFunction((thread) => this.#onHook(thread), "vii");
    if (limits.instructionsPerCall !== null) api.lua_sethook(L, this.#hook, MASK_COUNT, HOOK_STEP);
    try {
      this.#load(PRELUDE, "=portcullis");
      host.pushTable(L);
      this.#protectedCall(1, 2);
      this.#handles[1] = BigInt(api.luaL_ref(L, REGISTRY_INDEX));
      this.#handles[0] = BigInt(api.luaL_ref(L, REGISTRY_INDEX));
      // Named by its own text, as Envoy loads it: messages read `[string "first line..."]:line:`.
      this.#load(code, code);
      this.#protectedCall(0, 0);
      for (let direction = 0; direction < 2; direction++) {
        if (runtime.getGlobal(L, DIRECTIONS[direction]) === LuaType.Function) {
          this.#functions[direction] = BigInt(api.luaL_ref(L, REGISTRY_INDEX));
        } else {
          api.lua_settop(L, -2);
          this.log(
            LogLevel.Info,
            `${DIRECTIONS[direction]}() function not found. Lua filter will not hook ${
              direction === 0 ? "requests" : "responses"
            }.`,
          );
        }
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.#starting = false;
  }

  /** Whether the VM can still be called. */
  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Whether the script defines the function of `direction` (0 `envoy_on_request`, 1 `envoy_on_response`). */
  hooks(direction: number): boolean {
    return this.#functions[direction] !== undefined;
  }

  /** Runs the function of `direction` for `stream` in a pooled coroutine, with the direction's handle. */
  start(direction: number, stream: LuaHostStream): RunResult {
    const fn = this.#functions[direction];
    if (!this.alive || fn === undefined) return FAILED;
    const api = this.#runtime.api;
    const thread = this.#takeThread();
    api.lua_rawgeti(thread, REGISTRY_INDEX, fn);
    api.lua_rawgeti(thread, REGISTRY_INDEX, this.#handles[direction]);
    return this.#resume(thread, 1, stream);
  }

  /** Resumes a coroutine that yielded (for `body()`) for `stream`. */
  resume(thread: number, stream: LuaHostStream): RunResult {
    return this.#resume(thread, 0, stream);
  }

  /**
   * Resumes a coroutine waiting in `httpCall()` with the call's results: a headers table (`:status`
   * included; repeated names: the last value, or with `duplicateHeaders` a table of them all) and the body (nil
   * when empty). A failed call reads as Envoy fakes it: 503 with body `upstream failure`.
   */
  resumeWithResponse(
    thread: number,
    stream: LuaHostStream,
    response: CalloutResponse | undefined,
    duplicateHeaders: boolean,
  ): RunResult {
    if (!this.alive) return FAILED;
    const runtime = this.#runtime;
    const api = runtime.api;
    const status = String(response?.status ?? 503);
    const fields = response?.headers.fields ?? [];
    const values = new Map<string, string[]>([[":status", [status]]]);
    for (let i = 0; i < fields.length; i += 2) {
      const seen = values.get(fields[i]);
      if (seen) seen.push(fields[i + 1]);
      else values.set(fields[i], [fields[i + 1]]);
    }
    api.lua_createtable(thread, 0, values.size);
    for (const [name, all] of values) {
      runtime.pushText(thread, name);
      if (duplicateHeaders && all.length > 1) {
        api.lua_createtable(thread, all.length, 0);
        for (let i = 0; i < all.length; i++) {
          runtime.pushText(thread, all[i]);
          api.lua_rawseti(thread, -2, BigInt(i + 1));
        }
      } else runtime.pushText(thread, all[all.length - 1]);
      api.lua_rawset(thread, -3);
    }
    const body = response ? response.body : UPSTREAM_FAILURE;
    if (body.length > 0) runtime.pushBytes(thread, body);
    else api.lua_pushnil(thread);
    return this.#resume(thread, 2, stream);
  }

  /** Abandons a yielded coroutine (a reply, a failed stream, the stream's end): reset, back to the pool. */
  discard(thread: number): void {
    if (!this.alive) return;
    this.#budget = this.#limits.instructionsPerCall ?? Infinity;
    this.#runtime.api.lua_resetthread(thread);
    if (this.#exhausted) this.fail(this.#exhaustedReason());
    else this.#release(thread);
  }

  /** Writes `message` to the plugin's log (below the plugin's level: dropped). */
  log(level: LogLevel, message: string): void {
    const env = this.#env;
    if (level < env.logLevel) return;
    env.logger({ level, plugin: env.name, rootId: env.rootId, vmId: env.vmId, message });
  }

  /** Marks the VM failed, closes its state and tells the plugin. */
  fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.log(LogLevel.Critical, `VM failed: ${reason}`);
    this.close();
    if (!this.#starting) this.#failed(reason);
  }

  /** Closes the state (its finalizers run) unless the runtime can no longer be trusted. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.failure ??= "closed";
    const api = this.#runtime.api;
    if (!this.#runtime.broken) {
      this.#budget = this.#limits.instructionsPerCall ?? Infinity;
      api.lua_close(this.#L);
    }
    this.#runtime.removeFunction(this.#hook);
    this.#idle.length = 0;
    this.#threadRefs.clear();
  }

  #resume(thread: number, nargs: number, stream: LuaHostStream): RunResult {
    if (!this.alive) return FAILED;
    const runtime = this.#runtime;
    const api = runtime.api;
    this.#host.current = stream;
    this.#top = thread;
    this.#budget = this.#limits.instructionsPerCall ?? Infinity;
    this.#exhausted = false;
    runtime.enforcing = true;
    runtime.refused = false;
    let status: number;
    try {
      status = api.lua_resume(thread, 0, nargs, runtime.outPointer);
    } catch (e) {
      runtime.broken = describeTrap(e, undefined, 0);
      this.fail(`the Lua runtime failed: ${runtime.broken}`);
      return FAILED;
    } finally {
      runtime.enforcing = false;
      this.#host.current = undefined;
    }
    if (this.#exhausted) {
      this.fail(this.#exhaustedReason());
      return FAILED;
    }
    if (runtime.refused || status === LuaStatus.ErrMem) {
      this.fail(`Lua heap limit of ${this.#limits.maxHeapBytes} bytes reached`);
      return FAILED;
    }
    if (status === LuaStatus.Ok) {
      api.lua_settop(thread, 0);
      this.#release(thread);
      return DONE;
    }
    if (status === LuaStatus.Yield) {
      api.lua_settop(thread, -runtime.out - 1);
      return { kind: "yielded", thread };
    }
    const message = this.#errorText(thread);
    this.discard(thread);
    return { kind: "error", message };
  }

  /** `lua_pcall` at start; throws {@linkcode LuaStartError} unless it succeeds within the start limits. */
  #protectedCall(nargs: number, nresults: number): void {
    const runtime = this.#runtime;
    const L = this.#L;
    this.#top = L;
    this.#budget = this.#limits.instructionsForStart;
    this.#exhausted = false;
    runtime.enforcing = true;
    runtime.refused = false;
    let status: number;
    try {
      status = runtime.api.lua_pcallk(L, nargs, nresults, 0, 0, 0);
    } catch (e) {
      runtime.broken = describeTrap(e, undefined, 0);
      throw new LuaStartError(`the Lua runtime failed: ${runtime.broken}`, e);
    } finally {
      runtime.enforcing = false;
    }
    if (this.#exhausted) {
      throw new LuaStartError(
        `instruction budget of ${this.#limits.instructionsForStart} exhausted while loading the script`,
      );
    }
    if (runtime.refused || status === LuaStatus.ErrMem) {
      throw new LuaStartError(`Lua heap limit of ${this.#limits.maxHeapBytes} bytes reached while loading`);
    }
    if (status !== LuaStatus.Ok) throw new LuaStartError(this.#errorText(L));
  }

  #load(code: string, name: string): void {
    if (this.#runtime.load(this.#L, code, name) !== LuaStatus.Ok) {
      throw new LuaStartError(this.#errorText(this.#L));
    }
  }

  /** The error value on top of `L`, as text. */
  #errorText(L: number): string {
    const type = this.#runtime.api.lua_type(L, -1);
    if (type === LuaType.String || type === LuaType.Number) return this.#runtime.toUtf8(L, -1)!;
    return `(error object is a ${type === LuaType.Nil ? "nil" : "non-string"} value)`;
  }

  #exhaustedReason(): string {
    return `instruction budget of ${this.#limits.instructionsPerCall} exhausted (runaway loop?)`;
  }

  /** The count hook: charges the budget; once it is spent, every instruction raises. */
  #onHook(thread: number): void {
    if (!this.#exhausted) {
      this.#budget -= HOOK_STEP;
      if (this.#budget > 0) return;
      this.#exhausted = true;
      const api = this.#runtime.api;
      api.lua_sethook(thread, this.#hook, MASK_COUNT, 1);
      if (this.#top !== thread) api.lua_sethook(this.#top, this.#hook, MASK_COUNT, 1);
    }
    this.#runtime.raise(thread, "instruction budget exhausted");
  }

  #takeThread(): number {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const api = this.#runtime.api;
    const thread = api.lua_newthread(this.#L);
    this.#threadRefs.set(thread, api.luaL_ref(this.#L, REGISTRY_INDEX));
    return thread;
  }

  #release(thread: number): void {
    if (this.#idle.length < POOL_MAX) {
      this.#idle.push(thread);
      return;
    }
    const ref = this.#threadRefs.get(thread);
    this.#threadRefs.delete(thread);
    if (ref !== undefined) this.#runtime.api.luaL_unref(this.#L, REGISTRY_INDEX, ref);
  }
}
