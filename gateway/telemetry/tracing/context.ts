/**
 * The trace context a request carries in and out: the caller's span (from `traceparent` or B3 headers) and the
 * gateway's own span ids.
 * @module
 */

/** The caller's span, as the propagation headers name it. */
export interface RemoteContext {
  /** 32 hex digits (a 64-bit B3 trace id keeps its 16). Lowercase. */
  readonly traceId: string;
  /** The caller's span id: 16 hex digits, lowercase. */
  readonly spanId: string;
  /** W3C `tracestate` as received (list members joined with `,`); empty when none. */
  readonly traceState: string;
}

/** What the propagation headers of a request say. */
export interface Extraction {
  /** The parent span; undefined when the request starts a trace. */
  readonly parent?: RemoteContext;
  /** The caller's sampling decision, when the headers carry one. */
  readonly sampled?: boolean;
}

/** The gateway span whose context goes upstream. */
export interface LocalContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The parent of this span (B3 `x-b3-parentspanid`); undefined for a root span. */
  readonly parentSpanId?: string;
  readonly sampled: boolean;
  readonly traceState: string;
}

/** Reads a request header (the first value, or repeated values joined). */
export type HeaderGetter = (name: string) => string | null;

/** Sets a request header, replacing any value. */
export type HeaderSetter = (name: string, value: string) => void;
