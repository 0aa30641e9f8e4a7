/**
 * What a stream callback tells the data path: go on, hold the body, wait, answer locally, or reset.
 * A paused result carries the promise to await; it settles when the filter calls `proxy_continue_stream`,
 * sends a local response, closes the stream, or its VM fails.
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";

/** The reply a filter sent with `proxy_send_local_response` (or the host sent for a failed VM). */
export interface LocalReply {
  /** HTTP status. */
  readonly status: number;
  /** Response code details (Envoy's `%RESPONSE_CODE_DETAILS%`). */
  readonly details: string;
  /** Body bytes (may be empty). */
  readonly body: Uint8Array;
  /** Extra response headers, in order, lowercase names. */
  readonly headers: HeaderList;
  /** gRPC status for gRPC requests; undefined when the filter passed -1. */
  readonly grpcStatus: number | undefined;
}

/** The stream goes on (headers, trailers: with the maps as the filter left them). */
export interface Continue {
  /** Discriminant. */
  readonly action: "continue";
}

/** The single {@linkcode Continue} value (no allocation per call). */
export const CONTINUE: Continue = Object.freeze({ action: "continue" });

/** Body data to pass on: what was held plus this chunk, as the filter left it. */
export interface BodyContinue {
  /** Discriminant. */
  readonly action: "continue";
  /** The bytes to forward (possibly empty). */
  readonly data: Uint8Array;
}

/** The filter holds the body so far; feed it the next chunk. */
export interface Buffering {
  /** Discriminant. */
  readonly action: "buffer";
}

/** The single {@linkcode Buffering} value. */
export const BUFFERING: Buffering = Object.freeze({ action: "buffer" });

/** Answer the client with a local reply instead (and stop sending anything upstream). */
export interface Reply {
  /** Discriminant. */
  readonly action: "reply";
  /** The reply. */
  readonly reply: LocalReply;
}

/** Reset the stream (`proxy_close_stream`): drop the connection or stream without a response. */
export interface Reset {
  /** Discriminant. */
  readonly action: "reset";
}

/** The single {@linkcode Reset} value. */
export const RESET: Reset = Object.freeze({ action: "reset" });

/** Wait for `resumed` before going on. */
export interface Paused<T> {
  /** Discriminant. */
  readonly action: "pause";
  /** Settles with how to go on. */
  readonly resumed: Promise<T>;
}

/** The outcome of headers callbacks, once resumed. */
export type HeadersOutcome = Continue | Reply | Reset;
/** What `onRequestHeaders`/`onResponseHeaders` return. */
export type HeadersResult = HeadersOutcome | Paused<HeadersOutcome>;
/** The outcome of body and trailers callbacks, once resumed. */
export type DataOutcome = BodyContinue | Reply | Reset;
/** What `onRequestBody`/`onResponseBody` return. */
export type BodyResult = DataOutcome | Buffering | Paused<DataOutcome>;
/** What `onRequestTrailers`/`onResponseTrailers` return (`data` is any body still held). */
export type TrailersResult = DataOutcome | Paused<DataOutcome>;
