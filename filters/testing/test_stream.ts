/**
 * One request through a filter under test, driven callback by callback as the gateway's data path drives it,
 * with what the filter did kept for assertions: the header maps as it left them, its local reply, whether it
 * paused.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import {
  type BodyResult,
  type HeadersResult,
  type HttpFilterStream,
  type LocalReply,
  type PropertyValue,
  requestHeaderMap,
  responseHeaderMap,
  type StreamInfo,
  type TrailersResult,
} from "../../wasm/mod.ts";
import { flush } from "./http_calls.ts";

/** Headers as a test writes them. */
export type HeaderInit = Record<string, string> | [string, string][];

/** A filter's local reply, decoded. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  /** Extra headers the filter set, by name (repeated names: the last). */
  readonly headers: Readonly<Record<string, string>>;
  /** Response code details (`%RESPONSE_CODE_DETAILS%`). */
  readonly details: string;
  readonly grpcStatus?: number;
}

/** What a callback led to. */
export type Outcome =
  | {
    readonly action: "continue"; /** Body callbacks: the data passed on, as text. */
    readonly data?: string;
  }
  | { readonly action: "buffer" }
  | { readonly action: "pause" }
  | { readonly action: "reply"; readonly reply: Reply }
  | { readonly action: "reset" };

/** What the data path knows about the request (for `proxy_get_property`). */
export interface StreamOptions {
  /** Client address, `"10.0.0.1"` or `"10.0.0.1:51000"` (`source.address`, `source.port`). */
  readonly source?: string;
  /** Local address, same form (`destination.*`). */
  readonly destination?: string;
  /** Matched route (`route_name`). */
  readonly routeName?: string;
  /** Upstream cluster (`cluster_name`). */
  readonly clusterName?: string;
  /** Any other property by dotted path (`"metadata.filter_metadata.x"`). */
  readonly properties?: Readonly<Record<string, PropertyValue>>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function peer(text: string | undefined): { address: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { address: bracketed[1], port: Number(bracketed[2] ?? 0) };
  const colon = text.lastIndexOf(":");
  if (colon < 0 || text.indexOf(":") !== colon) return { address: text, port: 0 };
  return { address: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

/** The data path's view of a stream built from `options`. */
export function streamInfo(options: StreamOptions, startMs: number): StreamInfo {
  const properties = options.properties ?? {};
  return {
    source: peer(options.source ?? "127.0.0.1:50000"),
    destination: peer(options.destination ?? "127.0.0.1:8080"),
    request: { startTime: startMs, protocol: "HTTP/1.1" },
    response: {},
    routeName: options.routeName,
    clusterName: options.clusterName,
    property: (path) => properties[path.join(".")],
  };
}

function record(list: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((v, n) => out[n] = v);
  return out;
}

function decodeReply(reply: LocalReply): Reply {
  return {
    status: reply.status,
    body: decoder.decode(reply.body),
    headers: record(reply.headers),
    details: reply.details,
    grpcStatus: reply.grpcStatus,
  };
}

function asBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

function entries(init: HeaderInit): [string, string][] {
  return Array.isArray(init) ? init : Object.entries(init);
}

/** A callback's result once it no longer pauses. */
type Settled = { action: "continue"; data?: Uint8Array } | { action: "reply"; reply: LocalReply } | {
  action: "reset";
};

/** A request through the filter under test. */
export class TestStream {
  readonly #stream: HttpFilterStream;
  readonly #info: StreamInfo;
  /** How the last paused callback went on (kept until the next callback). */
  #resumption: Promise<Outcome> | undefined;
  #waiting = false;
  #reply: Reply | undefined;
  /** The request header map as the filter left it (pseudo-headers included). */
  requestHeaders: HeaderList | undefined;
  /** The response header map as the filter left it (`:status` included). */
  responseHeaders: HeaderList | undefined;

  constructor(stream: HttpFilterStream, info: StreamInfo) {
    this.#stream = stream;
    this.#info = info;
  }

  /** The filter's local reply, once it sent one. */
  get reply(): Reply | undefined {
    return this.#reply;
  }

  /**
   * What the data path knows about the stream, which `proxy_get_property` reads: set what the gateway learns
   * as the request goes, e.g. `stream.info.response!.flags = 0x20` (UF) before `complete()`.
   */
  get info(): StreamInfo {
    return this.#info;
  }

  /** Whether the last callback paused and has not been resumed yet. */
  get paused(): boolean {
    return this.#waiting;
  }

  /** Whether the filter asked for the route to be chosen again (it changed request headers). */
  get routeCacheCleared(): boolean {
    return this.#stream.routeCacheCleared;
  }

  /**
   * Request headers: `:method` (GET), `:path` (/), `:authority` (example.com) and `:scheme` (http) may be given
   * among them, the rest are plain headers. `endOfStream` (default true) says there is no body.
   */
  sendRequestHeaders(headers: HeaderInit = {}, options: { endOfStream?: boolean } = {}): Outcome {
    const fields = entries(headers);
    const pseudo = (name: string, fallback: string) => fields.find(([n]) => n === name)?.[1] ?? fallback;
    const map = requestHeaderMap(
      {
        method: pseudo(":method", "GET"),
        path: pseudo(":path", "/"),
        authority: pseudo(":authority", pseudo("host", "example.com")),
        scheme: pseudo(":scheme", "http"),
      },
      HeaderList.from(fields.filter(([n]) => !n.startsWith(":"))),
    );
    this.requestHeaders = map;
    return this.#headers(this.#stream.onRequestHeaders(map, options.endOfStream ?? true));
  }

  /** A request body chunk (`endOfStream` default true). */
  sendRequestBody(body: string | Uint8Array, endOfStream = true): Outcome {
    return this.#data(this.#stream.onRequestBody(asBytes(body), endOfStream));
  }

  /** Request trailers. */
  sendRequestTrailers(trailers: HeaderInit): Outcome {
    return this.#data(this.#stream.onRequestTrailers(HeaderList.from(entries(trailers))));
  }

  /** Response headers with `status`; `endOfStream` (default true) says there is no body. */
  sendResponseHeaders(
    status = 200,
    headers: HeaderInit = {},
    options: { endOfStream?: boolean } = {},
  ): Outcome {
    this.#info.response!.code = status;
    const map = responseHeaderMap(status, HeaderList.from(entries(headers)));
    this.responseHeaders = map;
    return this.#headers(this.#stream.onResponseHeaders(map, options.endOfStream ?? true));
  }

  /** A response body chunk (`endOfStream` default true). */
  sendResponseBody(body: string | Uint8Array, endOfStream = true): Outcome {
    return this.#data(this.#stream.onResponseBody(asBytes(body), endOfStream));
  }

  /** Response trailers. */
  sendResponseTrailers(trailers: HeaderInit): Outcome {
    return this.#data(this.#stream.onResponseTrailers(HeaderList.from(entries(trailers))));
  }

  /** A request header as the filter left it, or null. */
  requestHeader(name: string): string | null {
    return this.requestHeaders?.get(name) ?? null;
  }

  /** A response header as the filter left it, or null. */
  responseHeader(name: string): string | null {
    return this.responseHeaders?.get(name) ?? null;
  }

  /**
   * How the last callback went on after it paused (an HTTP call's answer, a timer, …); throws when the last
   * callback did not pause.
   */
  async resumed(): Promise<Outcome> {
    const resumption = this.#resumption;
    if (!resumption) throw new Error("The last callback did not pause");
    await flush();
    return await resumption;
  }

  /** Ends the stream: `on_done`, `on_log`, `on_delete`. */
  complete(): void {
    this.#stream.complete();
  }

  #headers(result: HeadersResult): Outcome {
    this.#resumption = undefined;
    if (result.action !== "pause") return this.#settled(result);
    return this.#pause(result.resumed);
  }

  #data(result: BodyResult | TrailersResult): Outcome {
    this.#resumption = undefined;
    if (result.action === "buffer") return { action: "buffer" };
    if (result.action !== "pause") return this.#settled(result);
    return this.#pause(result.resumed);
  }

  #pause(resumed: Promise<Settled>): Outcome {
    this.#waiting = true;
    this.#resumption = resumed.then((r) => {
      this.#waiting = false;
      return this.#settled(r);
    });
    return { action: "pause" };
  }

  #settled(result: Settled): Outcome {
    if (result.action === "reply") {
      this.#reply = decodeReply(result.reply);
      this.#info.response!.code = result.reply.status;
      return { action: "reply", reply: this.#reply };
    }
    if (result.action === "reset") return { action: "reset" };
    return result.data === undefined
      ? { action: "continue" }
      : { action: "continue", data: decoder.decode(result.data) };
  }
}
