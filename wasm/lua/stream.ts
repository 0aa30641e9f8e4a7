/**
 * A request through a Lua filter, behind the {@linkcode HttpFilterStream} the data path drives, with Envoy's
 * Lua filter semantics: `envoy_on_request` runs at the request headers and `envoy_on_response` at the
 * response headers, each in its own coroutine with its direction's handle. A script that calls `body()`
 * before its direction has ended waits: the stream reports {@linkcode LuaStream.awaitingBody} (Envoy's
 * StopIteration: the chain passes it the body before the filters after it see the headers), holds the chunks
 * (`buffer`; past `maxBodyBytes`, the last chunk included, Envoy's 413/500), and resumes the script at the end,
 * so header edits made after `body()` reach the later filters and the upstream (or the client).
 * `respond()` answers with a local reply; a synchronous `httpCall()` pauses the stream until its response
 * resumes the script (aborted when the stream ends). A script error is logged (`script log: …`) and the stream goes on
 * unfiltered from there, as in Envoy; a failed VM (instruction budget, heap cap) fails the stream per
 * `failStrategy`.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { LogLevel } from "../abi/enums.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import type { PluginEnv } from "../runtime/options.ts";
import type { CalloutResponse } from "../runtime/callout.ts";
import {
  type BodyResult,
  BUFFERING,
  CONTINUE,
  type DataOutcome,
  type HeadersOutcome,
  type HeadersResult,
  type LocalReply,
  RESET,
  type TrailersResult,
} from "../runtime/results.ts";
import { concat, type HttpFilterStream, overflowReply } from "../runtime/stream.ts";
import { StreamFailure } from "../runtime/stream_failure.ts";
import type { LuaHostStream } from "./host.ts";
import type { LuaVm, RunResult } from "./vm.ts";

const EMPTY = new Uint8Array(0);

/** What a call's result means for the stream (`call`: waiting for an `httpCall()`; `reset`: the stream ended). */
type Settled = "continue" | "wait" | "call" | "reply" | "fail" | "reset";

/** A synchronous `httpCall()` in flight. */
interface PendingCall {
  readonly response: Promise<CalloutResponse>;
  readonly duplicateHeaders: boolean;
  /** The coroutine waiting for it (set once the script has yielded). */
  thread: number;
}

let nextStreamId = 1;

/** One stream through one Lua VM (or a stream failed from the start, without one). */
export class LuaStream implements HttpFilterStream, LuaHostStream {
  readonly id: number;
  routeCacheCleared = false;
  /** True while a script waits in `body()` for the rest of the current direction's body. */
  awaitingBody = false;
  running = 0;
  readonly info: StreamInfo;
  readonly #vm: LuaVm | undefined;
  readonly #env: PluginEnv;
  readonly #maps: [HeaderList | undefined, HeaderList | undefined] = [undefined, undefined];
  readonly #held: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  readonly #ended = [false, false];
  /** Whether `body()` waited for the direction's body (it then returns a buffer, even an empty one). */
  readonly #buffered = [false, false];
  /** The coroutine waiting in `body()`, per direction (0: none). */
  readonly #threads = [0, 0];
  #waiting = false;
  #call: PendingCall | undefined;
  #calls: AbortController | undefined;
  #completed = false;
  #reply: LocalReply | undefined;
  readonly #failure: StreamFailure;

  /** A stream on `vm`, or a failed one when `vm` is undefined or no longer alive. */
  constructor(vm: LuaVm | undefined, env: PluginEnv, info: StreamInfo) {
    this.#vm = vm?.alive ? vm : undefined;
    this.#env = env;
    this.#failure = new StreamFailure(env.failStrategy);
    this.info = info;
    this.id = this.#vm ? nextStreamId++ : 0;
  }

  onRequestHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[0] = headers;
    this.#ended[0] = endOfStream;
    return this.#headers(0);
  }

  onRequestBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#body(0, chunk, endOfStream);
  }

  onRequestTrailers(_trailers: HeaderList): TrailersResult {
    return this.#body(0, EMPTY, true) as TrailersResult;
  }

  onResponseHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[1] = headers;
    this.#ended[1] = endOfStream;
    return this.#headers(1);
  }

  onResponseBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#body(1, chunk, endOfStream);
  }

  onResponseTrailers(_trailers: HeaderList): TrailersResult {
    return this.#body(1, EMPTY, true) as TrailersResult;
  }

  complete(): void {
    this.#completed = true;
    this.#calls?.abort();
    for (let direction = 0; direction < 2; direction++) {
      const thread = this.#threads[direction];
      if (thread !== 0) this.#vm!.discard(thread);
      this.#threads[direction] = 0;
      this.#held[direction] = EMPTY;
    }
    this.awaitingBody = false;
  }

  #headers(direction: number): HeadersResult {
    const vm = this.#vm;
    if (!vm) return this.#failure.headers();
    if (!vm.hooks(direction)) return CONTINUE;
    this.running = direction;
    const settled = this.#settle(direction, vm.start(direction, this));
    if (settled !== "call") return this.#headersOutcome(settled);
    return { action: "pause", resumed: this.#afterCalls(direction).then((s) => this.#headersOutcome(s)) };
  }

  #headersOutcome(settled: Settled): HeadersOutcome {
    switch (settled) {
      case "reply":
        return { action: "reply", reply: this.#reply! };
      case "fail":
        return this.#failure.headers();
      case "reset":
        return RESET;
      case "wait":
        this.awaitingBody = true;
        return CONTINUE;
      default:
        return CONTINUE;
    }
  }

  #body(direction: number, chunk: Uint8Array, endOfStream: boolean): BodyResult {
    const thread = this.#threads[direction];
    if (thread === 0) return { action: "continue", data: chunk };
    const held = concat(this.#held[direction], chunk);
    if (held.length > this.#env.maxBodyBytes) {
      this.#threads[direction] = 0;
      this.#held[direction] = EMPTY;
      this.awaitingBody = false;
      this.#vm!.discard(thread);
      return overflowReply(direction);
    }
    this.#held[direction] = held;
    if (!endOfStream) return BUFFERING;
    this.#ended[direction] = true;
    this.#threads[direction] = 0;
    this.awaitingBody = false;
    this.running = direction;
    const settled = this.#settle(direction, this.#vm!.resume(thread, this));
    if (settled !== "call") return this.#dataOutcome(direction, settled);
    return {
      action: "pause",
      resumed: this.#afterCalls(direction).then((s) => this.#dataOutcome(direction, s)),
    };
  }

  /** The held body of `direction` released as `settled` says. */
  #dataOutcome(direction: number, settled: Settled): DataOutcome {
    const data = this.#held[direction];
    this.#held[direction] = EMPTY;
    if (settled === "reply") return { action: "reply", reply: this.#reply! };
    if (settled === "fail") return this.#failure.data(data);
    if (settled === "reset") return RESET;
    return { action: "continue", data };
  }

  /** Waits for the script's `httpCall()`s one after another, resuming it with each response. */
  async #afterCalls(direction: number): Promise<Settled> {
    for (;;) {
      const call = this.#call!;
      this.#call = undefined;
      let response: CalloutResponse | undefined;
      try {
        response = await call.response;
      } catch {
        response = undefined;
      }
      if (this.#completed) {
        this.#vm!.discard(call.thread);
        return "reset";
      }
      this.running = direction;
      const result = this.#vm!.resumeWithResponse(call.thread, this, response, call.duplicateHeaders);
      const settled = this.#settle(direction, result);
      if (settled !== "call") return settled;
    }
  }

  /** What the call's result means: the coroutine kept (waiting), discarded (reply, stray yield) or done. */
  #settle(direction: number, result: RunResult): Settled {
    const waiting = this.#waiting;
    this.#waiting = false;
    switch (result.kind) {
      case "done":
        return "continue";
      case "failed":
        return "fail";
      case "error":
        this.#scriptError(result.message);
        return "continue";
      case "yielded":
        if (this.#reply) {
          this.#vm!.discard(result.thread);
          return "reply";
        }
        if (this.#call) {
          this.#call.thread = result.thread;
          return "call";
        }
        if (waiting) {
          this.#threads[direction] = result.thread;
          return "wait";
        }
        this.#vm!.discard(result.thread);
        this.#scriptError("script performed an unexpected yield");
        return "continue";
    }
  }

  #scriptError(message: string): void {
    this.#vm!.log(LogLevel.Error, `script log: ${message}`);
  }

  // LuaHostStream: what the host functions act on while this stream's script runs.

  headerMap(direction: number): HeaderList {
    return this.#maps[direction]!;
  }

  headersChanged(direction: number): void {
    if (direction === 0) this.routeCacheCleared = true;
  }

  waitForBody(direction: number): boolean {
    if (this.#ended[direction]) return false;
    this.#waiting = true;
    this.#buffered[direction] = true;
    return true;
  }

  hasBody(direction: number, alwaysWrap: boolean): boolean {
    return this.#buffered[direction] || alwaysWrap;
  }

  body(direction: number): Uint8Array {
    return this.#held[direction];
  }

  setBody(direction: number, bytes: Uint8Array): void {
    this.#held[direction] = bytes;
  }

  respond(reply: LocalReply): void {
    this.#reply = reply;
  }

  clearRouteCache(): void {
    this.routeCacheCleared = true;
  }

  callSignal(): AbortSignal {
    this.#calls ??= new AbortController();
    return this.#calls.signal;
  }

  awaitCall(response: Promise<CalloutResponse>, duplicateHeaders: boolean): void {
    this.#call = { response, duplicateHeaders, thread: 0 };
  }
}
