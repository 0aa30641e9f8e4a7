/**
 * The contract of an upstream client: a request with a streaming body goes to one endpoint, and the response
 * headers come back with a streaming body; failures before the response headers are `UpstreamError`s named
 * with Envoy's reset reasons. `http1/` implements it; `SendUpstream` is the function type callers take.
 * @module
 */
import type { HeaderList } from "./header_list.ts";

/** A request to send upstream. */
export interface UpstreamRequest {
  readonly address: string;
  readonly port: number;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  /** The fields to send (the client adds only body framing: `content-length` or `transfer-encoding`). */
  readonly headers: HeaderList;
  /** The body: streamed, or whole (then `headers` should carry its `content-length`), or none. */
  readonly body: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Connect timeout for a new connection (DestinationRule `tcp.connectTimeout`, mesh `connectTimeout`). */
  readonly connectTimeoutMs?: number;
  /** How long the connection may stay idle in the pool afterwards (DestinationRule `idleTimeout`). */
  readonly idleTimeoutMs?: number;
  /** Aborts the upstream request (client gone, timeout). */
  readonly signal?: AbortSignal;
}

/** The upstream's answer, with a streaming body. */
export interface UpstreamResponse {
  readonly status: number;
  /** The response fields as received (names lowercased), hop-by-hop ones included. */
  readonly headers: HeaderList;
  readonly body: ReadableStream<Uint8Array> | null;
  /**
   * The whole body, when the client already had it with the head (then `body` streams these same bytes and the
   * exchange is over). Optional: a consumer may send these bytes rather than stream `body`.
   */
  readonly bodyBytes?: Uint8Array;
  /**
   * Calls `callback` once when the exchange is over: the body read to its end, failed or cancelled (at once if
   * it already is). Optional: without it, callers that need to know wrap the body.
   */
  readonly whenDone?: (callback: () => void) => void;
}

/** Why an upstream exchange failed before response headers arrived. */
export class UpstreamError extends Error {
  /** `connection_failure`, `remote_reset` or `timeout`... in Envoy's reset-reason words. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Sends a request upstream and resolves when the response headers arrive. */
export type SendUpstream = (req: UpstreamRequest) => Promise<UpstreamResponse>;
