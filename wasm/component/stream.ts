/**
 * A request through a component filter, behind the same {@linkcode HttpFilterStream} the Proxy-Wasm host
 * gives the data path: the headers hooks edit the maps in place and may answer with a local reply; the body
 * hooks see everything held so far plus the chunk and go on, replace it, hold it (`buffer`) or reply.
 * Trailers pass (the world has no trailer hooks) and release a held body. Nothing ever pauses: the world's
 * hooks are synchronous. A VM that fails (here or in another stream) fails the stream per `failStrategy`.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { isHeaderName, isHeaderValue } from "../../gateway/proxy/header_list.ts";
import type { PropertyScope } from "../properties/resolve.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import type { PluginEnv } from "../runtime/options.ts";
import {
  type BodyResult,
  BUFFERING,
  CONTINUE,
  type DataOutcome,
  type HeadersResult,
  type LocalReply as HostReply,
  type Reply,
  type TrailersResult,
} from "../runtime/results.ts";
import { concat, type HttpFilterStream, overflowReply } from "../runtime/stream.ts";
import { StreamFailure } from "../runtime/stream_failure.ts";
import { type HostStream, REQUEST } from "./host.ts";
import type { ComponentVm } from "./vm.ts";
import type { LocalReply } from "./wit_types/interfaces/portcullis-filter-types.d.ts";

const EMPTY = new Uint8Array(0);
/** Details of a reply that named none. */
export const DEFAULT_REPLY_DETAILS = "wasm_local_reply";

/** Thrown (into the VM call) for a reply the gateway cannot send. */
export class InvalidReplyError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidReplyError";
  }
}

/** `reply` as the data path sends it. @throws {InvalidReplyError} for a bad status or header. */
export function toHostReply(reply: LocalReply): HostReply {
  if (reply.status < 200 || reply.status > 599) {
    throw new InvalidReplyError(`local reply status ${reply.status} is not 200-599`);
  }
  const headers = new HeaderList();
  for (const [name, value] of reply.headers) {
    if (!isHeaderName(name) || !isHeaderValue(value)) {
      throw new InvalidReplyError(`local reply header "${name}" is invalid`);
    }
    headers.fields.push(name.toLowerCase(), value);
  }
  return {
    status: reply.status,
    details: reply.details === "" ? DEFAULT_REPLY_DETAILS : reply.details,
    body: reply.body,
    headers,
    grpcStatus: undefined,
  };
}

let nextStreamId = 1;

/** One stream through one component VM (or a stream failed from the start, without one). */
export class ComponentStream implements HttpFilterStream, HostStream {
  readonly id: number;
  routeCacheCleared = false;
  readonly #vm: ComponentVm | undefined;
  readonly #env: PluginEnv;
  readonly #info: StreamInfo;
  readonly #maps: [HeaderList | undefined, HeaderList | undefined] = [undefined, undefined];
  readonly #held: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  #reply: LocalReply | undefined;
  readonly #failure: StreamFailure;
  #scope: PropertyScope | undefined;

  /** A stream on `vm`, or a failed one when `vm` is undefined. */
  constructor(vm: ComponentVm | undefined, env: PluginEnv, info: StreamInfo) {
    this.#vm = vm?.alive ? vm : undefined;
    this.#env = env;
    this.#info = info;
    this.#failure = new StreamFailure(env.failStrategy);
    this.id = this.#vm ? nextStreamId++ : 0;
  }

  onRequestHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[0] = headers;
    return this.#headers(0, endOfStream);
  }

  onRequestBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#body(0, chunk, endOfStream);
  }

  onRequestTrailers(_trailers: HeaderList): TrailersResult {
    return this.#release(0);
  }

  onResponseHeaders(headers: HeaderList, endOfStream: boolean): HeadersResult {
    this.#maps[1] = headers;
    return this.#headers(1, endOfStream);
  }

  onResponseBody(chunk: Uint8Array, endOfStream: boolean): BodyResult {
    return this.#body(1, chunk, endOfStream);
  }

  onResponseTrailers(_trailers: HeaderList): TrailersResult {
    return this.#release(1);
  }

  complete(): void {
    this.#held[0] = this.#held[1] = EMPTY;
  }

  /** The reply the hook asked for (by its result or `send-reply`), converted; undefined to go on. */
  #takeReply(result: LocalReply | undefined): HostReply | undefined {
    const reply = this.#reply ?? result;
    this.#reply = undefined;
    return reply && toHostReply(reply);
  }

  #headers(direction: number, endOfStream: boolean): HeadersResult {
    const vm = this.#vm;
    if (!vm) return this.#failure.headers();
    const reply = vm.call(this, () => {
      const action = vm.instance.headers(direction, endOfStream);
      return this.#takeReply(action.tag === "reply" ? action.val : undefined);
    });
    if (!vm.alive) return this.#failure.headers();
    return reply ? { action: "reply", reply } : CONTINUE;
  }

  #body(direction: number, chunk: Uint8Array, endOfStream: boolean): BodyResult {
    const vm = this.#vm;
    const held = this.#held[direction];
    const body = concat(held, chunk);
    this.#held[direction] = EMPTY;
    if (!vm) return this.#failure.data(body);
    if (held.length > 0 && body.length > this.#env.maxBodyBytes) return overflowReply(direction);
    const outcome = vm.call(this, () => {
      const action = vm.instance.body(direction, body, endOfStream);
      const reply = this.#takeReply(action.tag === "reply" ? action.val : undefined);
      return reply ? { action: "reply", reply } as Reply : action;
    });
    if (!vm.alive || outcome === undefined) return this.#failure.data(body);
    if ("action" in outcome) return outcome;
    switch (outcome.tag) {
      case "replace":
        return { action: "continue", data: outcome.val };
      case "buffer":
        if (endOfStream) return { action: "continue", data: body };
        this.#held[direction] = body;
        return BUFFERING;
      default:
        return { action: "continue", data: body };
    }
  }

  #release(direction: number): DataOutcome {
    const data = this.#held[direction];
    this.#held[direction] = EMPTY;
    return this.#vm?.alive ? { action: "continue", data } : this.#failure.data(data);
  }

  // HostStream: what the imports act on while a hook of this stream runs.

  headerMap(direction: number): HeaderList | undefined {
    return this.#maps[direction];
  }

  headersChanged(direction: number): void {
    if (direction === REQUEST) this.routeCacheCleared = true;
  }

  sendReply(reply: LocalReply): void {
    this.#reply = reply;
  }

  propertyScope(): PropertyScope {
    if (this.#scope) return this.#scope;
    const env = this.#env;
    const maps = this.#maps;
    this.#scope = {
      pluginName: env.name,
      rootId: env.rootId,
      vmId: env.vmId,
      node: env.node,
      info: this.#info,
      get requestHeaders() {
        return maps[0];
      },
      get responseHeaders() {
        return maps[1];
      },
      responseTrailers: undefined,
    };
    return this.#scope;
  }
}
