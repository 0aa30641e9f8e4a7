/**
 * The HTTP callout the data path provides for `proxy_http_call`: the host hands it the request and takes
 * the response; a cluster it does not know makes the call fail with `BAD_ARGUMENT` right away.
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";

/** A filter's HTTP call. */
export interface CalloutRequest {
  /** Upstream cluster name as the filter gave it (a cluster or a ServiceEntry host). */
  readonly cluster: string;
  /** Request headers including `:method`, `:path`, `:authority` (and `:scheme` if the filter set one). */
  readonly headers: HeaderList;
  /** Request body (may be empty). */
  readonly body: Uint8Array;
  /** Request trailers (usually empty). */
  readonly trailers: HeaderList;
  /** The filter's timeout in milliseconds; 0 means none. The host enforces it too. */
  readonly timeoutMs: number;
  /** Aborted on timeout and when the VM goes away. */
  readonly signal: AbortSignal;
}

/** The callout's response. */
export interface CalloutResponse {
  /** HTTP status (presented to the filter as `:status`). */
  readonly status: number;
  /** Response headers, without `:status`. */
  readonly headers: HeaderList;
  /** Response body. */
  readonly body: Uint8Array;
  /** Response trailers, if any. */
  readonly trailers?: HeaderList;
}

/**
 * Starts an HTTP call; returns undefined when `request.cluster` is unknown. A rejected promise (connect
 * failure, reset, abort) reaches the filter as a failed call (`on_http_call_response` with no headers).
 */
export type HttpCallout = (request: CalloutRequest) => Promise<CalloutResponse> | undefined;
