/**
 * A finished span, independent of the export format: ids, name, kind, times and string tags in the order they
 * were set (a tag set twice keeps its first place and its last value, as Envoy's spans do).
 * @module
 */

/** SERVER for the gateway's span of a downstream request, CLIENT for each upstream attempt. */
export type SpanKind = "server" | "client";

/** One span, ready to export. */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  /** W3C `tracestate` carried with the span; empty when none. */
  readonly traceState: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Unix epoch milliseconds (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  readonly tags: ReadonlyMap<string, string>;
}

/** Whether a span's status is an error, as Envoy's OpenTelemetry spans map `http.status_code`. */
export function isErrorStatus(span: FinishedSpan): boolean {
  const code = Number(span.tags.get("http.status_code"));
  return code >= 500 || (code >= 400 && span.kind === "client");
}
