/**
 * A stream context: one HTTP request/response through one plugin. The data path calls the `on*` methods
 * in order; each returns at once with what to do next (see `results.ts`), and a paused result holds the
 * promise that settles when the filter resumes or answers the stream.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { DataStatus, HeadersStatus, MapType, StreamType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import type { PropertyScope } from "../properties/resolve.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import type { StreamHostContext } from "./context.ts";
import type { PluginEnv } from "./options.ts";
import {
  type BodyResult,
  BUFFERING,
  CONTINUE,
  type DataOutcome,
  type HeadersOutcome,
  type HeadersResult,
  type LocalReply,
  type Paused,
  type Reply,
  RESET,
  type TrailersResult,
} from "./results.ts";
import { StreamFailure } from "./stream_failure.ts";
import type { CallbackName, WasmVm } from "./vm.ts";

/** The data path's handle on one stream through one plugin. */
export interface HttpFilterStream {
  /** The stream's context id (0 when the plugin had no VM for it). */
  readonly id: number;
  /** True once a filter changed the request headers: the route must be looked up again. */
  readonly routeCacheCleared: boolean;
  /**
   * True while the filter holds the headers it just saw until it has the whole body of that direction
   * (Envoy's StopIteration then StopIterationAndBuffer, as a Lua script's `body()` does): the data path
   * passes it that body before the filters after it, and the upstream (or the client), see the headers, so
   * edits made then reach them.
   */
  readonly awaitingBody?: boolean;
  /** The request headers (with pseudo-headers first, see `requestHeaderMap`); the filter edits them in place. */
  onRequestHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult;
  /** A request body chunk. */
  onRequestBody(chunk: Uint8Array, endOfStream: boolean): BodyResult;
  /** The request trailers (the end of the request). */
  onRequestTrailers(trailers: HeaderList): TrailersResult;
  /** The response headers (with `:status` first, see `responseHeaderMap`); edited in place. */
  onResponseHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult;
  /** A response body chunk. */
  onResponseBody(chunk: Uint8Array, endOfStream: boolean): BodyResult;
  /** The response trailers (the end of the response). */
  onResponseTrailers(trailers: HeaderList): TrailersResult;
  /**
   * The stream is over (response sent, or the client went away): `on_done`, `on_log` (the access-log hook,
   * with every map readable), `on_delete`. Anything still paused settles as a reset. Call it exactly once.
   */
  complete(): void;
}

interface Pending {
  readonly kind: "headers" | "data";
  readonly resolve: (outcome: HeadersOutcome | DataOutcome) => void;
}

const EMPTY = new Uint8Array(0);
const REQUEST = StreamType.Request;
const RESPONSE = StreamType.Response;
const CALLBACKS = [
  ["proxy_on_request_headers", "proxy_on_request_body", "proxy_on_request_trailers"],
  ["proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers"],
] as const satisfies readonly (readonly CallbackName[])[];

/** Envoy's reply when a buffered body outgrows the limit: 413 for a request, 500 for a response. */
export function overflowReply(direction: number): Reply {
  const request = direction === REQUEST;
  return {
    action: "reply",
    reply: {
      status: request ? 413 : 500,
      details: request ? "request_payload_too_large" : "response_payload_too_large",
      body: new TextEncoder().encode(request ? "Payload Too Large" : "Internal Server Error"),
      headers: new HeaderList(["content-type", "text/plain"]),
      grpcStatus: undefined,
    },
  };
}

/** `a` then `b` in one buffer (either one itself when the other is empty). */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A stream context on a VM (or, without a VM, a stream failed from the start). */
export class FilterStream implements HttpFilterStream, StreamHostContext {
  /** The context id. */
  readonly id: number;
  /** Never the root. */
  readonly isRoot = false;
  #properties: Map<string, Uint8Array> | undefined;
  /** True during `on_log`. */
  inLogPhase = false;
  /** True once the request headers were changed by the filter. */
  routeCacheCleared = false;

  readonly #vm: WasmVm | undefined;
  readonly #env: PluginEnv;
  readonly #info: StreamInfo;
  readonly #maps: (HeaderList | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly #bodies: Uint8Array[] = [EMPTY, EMPTY];
  readonly #ended = [false, false];
  readonly #pending: (Pending | undefined)[] = [undefined, undefined];
  readonly #continueAsked = [false, false];
  #inCallback = -1;
  #reply: LocalReply | undefined;
  #reset = false;
  #failed: boolean;
  readonly #failure: StreamFailure;
  #completed = false;
  #scope: PropertyScope | undefined;

  /** A stream on `vm` (created in the guest with `on_context_create`), or a failed one when `vm` is undefined. */
  constructor(vm: WasmVm | undefined, env: PluginEnv, info: StreamInfo) {
    this.#env = env;
    this.#info = info;
    this.#vm = vm;
    this.#failure = new StreamFailure(env.failStrategy);
    if (!vm || !vm.alive) {
      this.id = 0;
      this.#failed = true;
      return;
    }
    this.id = vm.takeContextId();
    this.#failed = false;
    vm.streams.set(this.id, this);
    const create = vm.callbacks.proxy_on_context_create;
    if (create) vm.call("proxy_on_context_create", this, create, this.id, vm.root.id);
  }

  /** See {@linkcode HttpFilterStream.onRequestHeaders}. */
  onRequestHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[MapType.HttpRequestHeaders] = headers;
    if (endOfStream) this.#ended[REQUEST] = true;
    return this.#headers(REQUEST, headers.length, endOfStream);
  }

  /** See {@linkcode HttpFilterStream.onRequestBody}. */
  onRequestBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#data(REQUEST, chunk, endOfStream);
  }

  /** See {@linkcode HttpFilterStream.onRequestTrailers}. */
  onRequestTrailers(trailers: HeaderList): TrailersResult {
    this.#maps[MapType.HttpRequestTrailers] = trailers;
    this.#ended[REQUEST] = true;
    return this.#trailers(REQUEST, trailers.length);
  }

  /** See {@linkcode HttpFilterStream.onResponseHeaders}. */
  onResponseHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[MapType.HttpResponseHeaders] = headers;
    if (endOfStream) this.#ended[RESPONSE] = true;
    return this.#headers(RESPONSE, headers.length, endOfStream);
  }

  /** See {@linkcode HttpFilterStream.onResponseBody}. */
  onResponseBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#data(RESPONSE, chunk, endOfStream);
  }

  /** See {@linkcode HttpFilterStream.onResponseTrailers}. */
  onResponseTrailers(trailers: HeaderList): TrailersResult {
    this.#maps[MapType.HttpResponseTrailers] = trailers;
    this.#ended[RESPONSE] = true;
    return this.#trailers(RESPONSE, trailers.length);
  }

  /** See {@linkcode HttpFilterStream.complete}. */
  complete(): void {
    if (this.#completed) return;
    this.#completed = true;
    for (let dir = 0; dir < 2; dir++) this.#settle(dir, RESET);
    const vm = this.#vm;
    if (!vm || this.#failed || !vm.alive) return;
    const c = vm.callbacks;
    if (c.proxy_on_done) vm.call("proxy_on_done", this, c.proxy_on_done, this.id);
    if (c.proxy_on_log && vm.alive) {
      this.inLogPhase = true;
      vm.call("proxy_on_log", this, c.proxy_on_log, this.id);
      this.inLogPhase = false;
    }
    if (c.proxy_on_delete && vm.alive) vm.call("proxy_on_delete", this, c.proxy_on_delete, this.id);
    vm.streams.delete(this.id);
  }

  #headers(dir: number, count: number, endOfStream: boolean): HeadersResult {
    if (this.#failed) return this.#failure.headers();
    const vm = this.#vm!;
    const name = CALLBACKS[dir][0];
    const fn = vm.callbacks[name];
    if (!fn) return CONTINUE;
    this.#inCallback = dir;
    const code = vm.call(name, this, fn, this.id, count, endOfStream ? 1 : 0);
    this.#inCallback = -1;
    if (this.#failed) return this.#failure.headers();
    const asked = this.#takeContinue(dir);
    const terminal = this.#takeTerminal();
    if (terminal) return terminal;
    if (code === HeadersStatus.Continue || code === HeadersStatus.ContinueAndEndStream || asked) {
      return CONTINUE;
    }
    return this.#pause<HeadersOutcome>(dir, "headers");
  }

  #data(dir: number, chunk: Uint8Array, endOfStream: boolean): BodyResult {
    const held = this.#bodies[dir];
    const body = concat(held, chunk);
    this.#bodies[dir] = body;
    if (endOfStream) this.#ended[dir] = true;
    if (this.#failed) return this.#failData(dir);
    const vm = this.#vm!;
    const name = CALLBACKS[dir][1];
    const fn = vm.callbacks[name];
    if (!fn) return this.#release(dir);
    if (held.length > 0 && body.length > this.#env.maxBodyBytes) {
      this.#bodies[dir] = EMPTY;
      return overflowReply(dir);
    }
    this.#inCallback = dir;
    const code = vm.call(name, this, fn, this.id, body.length, endOfStream ? 1 : 0);
    this.#inCallback = -1;
    if (this.#failed) return this.#failData(dir);
    const asked = this.#takeContinue(dir);
    const terminal = this.#takeTerminal();
    if (terminal) return terminal;
    if (code === DataStatus.Continue || asked) return this.#release(dir);
    if (!endOfStream) return BUFFERING;
    return this.#pause<DataOutcome>(dir, "data");
  }

  #trailers(dir: number, count: number): TrailersResult {
    if (this.#failed) return this.#failData(dir);
    const vm = this.#vm!;
    const name = CALLBACKS[dir][2];
    const fn = vm.callbacks[name];
    if (!fn) return this.#release(dir);
    this.#inCallback = dir;
    const code = vm.call(name, this, fn, this.id, count);
    this.#inCallback = -1;
    if (this.#failed) return this.#failData(dir);
    const asked = this.#takeContinue(dir);
    const terminal = this.#takeTerminal();
    if (terminal) return terminal;
    if (code === HeadersStatus.Continue || asked) return this.#release(dir);
    return this.#pause<DataOutcome>(dir, "data");
  }

  #takeContinue(dir: number): boolean {
    const asked = this.#continueAsked[dir];
    this.#continueAsked[dir] = false;
    return asked;
  }

  #takeTerminal(): Reply | typeof RESET | undefined {
    const reply = this.#reply;
    if (reply) {
      this.#reply = undefined;
      return { action: "reply", reply };
    }
    return this.#reset ? RESET : undefined;
  }

  #pause<T extends HeadersOutcome | DataOutcome>(dir: number, kind: Pending["kind"]): Paused<T> {
    let resolve!: (outcome: HeadersOutcome | DataOutcome) => void;
    const resumed = new Promise<T>((r) => resolve = r as (outcome: HeadersOutcome | DataOutcome) => void);
    this.#pending[dir] = { kind, resolve };
    return { action: "pause", resumed };
  }

  /** Settles a pending pause of `dir` with `outcome` (a `continue` becomes the held body for data). */
  #settle(dir: number, outcome: HeadersOutcome | DataOutcome): boolean {
    const pending = this.#pending[dir];
    if (!pending) return false;
    this.#pending[dir] = undefined;
    pending.resolve(outcome.action === "continue" && pending.kind === "data" ? this.#release(dir) : outcome);
    return true;
  }

  #release(dir: number): DataOutcome {
    const data = this.#bodies[dir];
    this.#bodies[dir] = EMPTY;
    return { action: "continue", data };
  }

  #failData(dir: number): DataOutcome {
    const held = this.#bodies[dir];
    this.#bodies[dir] = EMPTY;
    return this.#failure.data(held);
  }

  /** The VM failed: this stream fails too, and anything paused settles per the fail strategy. */
  vmFailed(): void {
    this.#failed = true;
    for (let dir = 0; dir < 2; dir++) {
      const pending = this.#pending[dir];
      if (!pending) continue;
      this.#pending[dir] = undefined;
      pending.resolve(pending.kind === "headers" ? this.#failure.headers() : this.#failData(dir));
    }
  }

  /** `proxy_set_property` values of this stream (created on first use). */
  get properties(): Map<string, Uint8Array> {
    return this.#properties ??= new Map();
  }

  /** Header map `type` of this stream. */
  headerMap(type: number): HeaderList | undefined {
    return this.#maps[type];
  }

  /** Header map `type`, unless the stream is over. */
  writableHeaderMap(type: number): HeaderList | undefined {
    return this.#completed && !this.inLogPhase ? undefined : this.#maps[type];
  }

  /** A changed request header map invalidates the route, as Envoy's `clearRouteCache`. */
  headersModified(type: number): void {
    if (type === MapType.HttpRequestHeaders) this.routeCacheCleared = true;
  }

  /** The body held for direction `type`. */
  body(type: number): Uint8Array | undefined {
    return type === REQUEST || type === RESPONSE ? this.#bodies[type] : undefined;
  }

  /** Whether direction `type` has ended. */
  bodyEnded(type: number): boolean {
    return this.#ended[type] ?? false;
  }

  /** Envoy's buffer edit: from 0 drains `length` bytes and prepends; at or past the end appends. */
  setBody(type: number, start: number, length: number, data: Uint8Array): Status {
    if (type !== REQUEST && type !== RESPONSE) return Status.BadArgument;
    const current = this.#bodies[type];
    if (start === 0) this.#bodies[type] = concat(data, current.subarray(Math.min(length, current.length)));
    else if (start >= current.length) this.#bodies[type] = concat(current, data);
    else return Status.BadArgument;
    return Status.Ok;
  }

  /** Records the reply; a paused direction settles with it at once. */
  sendLocalResponse(reply: LocalReply): Status {
    if (this.#completed) return Status.NotFound;
    this.#reply = reply;
    let settled = false;
    for (let dir = 0; dir < 2; dir++) settled = this.#settle(dir, { action: "reply", reply }) || settled;
    if (settled) this.#reply = undefined;
    return Status.Ok;
  }

  /** Resumes direction `type` (or, inside its own callback, makes a stop result a continue). */
  continueStream(type: number): Status {
    if (type === StreamType.Downstream || type === StreamType.Upstream) return Status.Unimplemented;
    if (type !== REQUEST && type !== RESPONSE) return Status.BadArgument;
    if (!this.#settle(type, CONTINUE) && this.#inCallback === type) this.#continueAsked[type] = true;
    return Status.Ok;
  }

  /** Resets the stream. */
  closeStream(type: number): Status {
    if (type === StreamType.Downstream || type === StreamType.Upstream) return Status.Unimplemented;
    if (type !== REQUEST && type !== RESPONSE) return Status.BadArgument;
    this.#reset = true;
    for (let dir = 0; dir < 2; dir++) this.#settle(dir, RESET);
    return Status.Ok;
  }

  /** Marks the route for a new lookup. */
  clearRouteCache(): void {
    this.routeCacheCleared = true;
  }

  /** Plugin identity, the stream info and this stream's maps. */
  propertyScope(): PropertyScope {
    return this.#scope ??= new StreamScope(this.#env, this.#info, this.#maps);
  }
}

/** A stream's property scope: a class, so that its map getters live on the prototype (an object literal with
 * getters costs a few microseconds to create). */
class StreamScope implements PropertyScope {
  readonly pluginName: string;
  readonly rootId: string;
  readonly vmId: string;
  readonly node: PluginEnv["node"];
  readonly info: StreamInfo;
  readonly #maps: readonly (HeaderList | undefined)[];

  constructor(env: PluginEnv, info: StreamInfo, maps: readonly (HeaderList | undefined)[]) {
    this.pluginName = env.name;
    this.rootId = env.rootId;
    this.vmId = env.vmId;
    this.node = env.node;
    this.info = info;
    this.#maps = maps;
  }

  get requestHeaders(): HeaderList | undefined {
    return this.#maps[MapType.HttpRequestHeaders];
  }

  get responseHeaders(): HeaderList | undefined {
    return this.#maps[MapType.HttpResponseHeaders];
  }

  get responseTrailers(): HeaderList | undefined {
    return this.#maps[MapType.HttpResponseTrailers];
  }
}
