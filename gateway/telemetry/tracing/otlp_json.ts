/**
 * OTLP/HTTP JSON encoding of spans (an `ExportTraceServiceRequest`, as the OTLP specification maps protobuf to
 * JSON: hex ids, enum numbers, 64-bit times as decimal strings, camelCase field names), with the resource
 * Envoy's OpenTelemetry tracer reports: `service.name` = the gateway's service cluster.
 * @module
 */
import { type FinishedSpan, isErrorStatus } from "./span.ts";

/** The resource and scope every span of a request body shares. */
export interface OtlpResource {
  /** Resource attributes, `service.name` first. */
  readonly attributes: readonly (readonly [string, string])[];
  readonly scopeName: string;
}

/** `OTEL_RESOURCE_ATTRIBUTES` (`key=value,...`, values percent-encoded), as the environment detector reads it. */
export function environmentResourceAttributes(text: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const item of (text ?? "").split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    let value = item.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // kept as written
    }
    if (key !== "") out.push([key, value]);
  }
  return out;
}

const SPAN_KIND = { server: 2, client: 3 } as const;
const STATUS_ERROR = 2;
/** Printable ASCII without `"` and `\\`: text JSON needs no escapes for. */
const PLAIN = /^[ !#-[\]-~]*$/;

/** A JSON string literal; plain ASCII text (nearly every tag) skips `JSON.stringify`. */
function q(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** `[{"key":…,"value":{"stringValue":…}},…]`, written directly (no intermediate objects). */
function attributes(entries: Iterable<readonly [string, string]>): string {
  let out = "";
  for (const [key, value] of entries) {
    out += `${out === "" ? "" : ","}{"key":${q(key)},"value":{"stringValue":${q(value)}}}`;
  }
  return `[${out}]`;
}

/** Unix epoch milliseconds as OTLP's nanosecond string (microsecond precision). */
function unixNanos(ms: number): string {
  const micros = Math.round(ms * 1000);
  return micros <= 0 ? "0" : `${micros}000`;
}

function encodeSpan(s: FinishedSpan): string {
  return `{"traceId":"${s.traceId.padStart(32, "0")}","spanId":"${s.spanId}"` +
    (s.parentSpanId !== undefined ? `,"parentSpanId":"${s.parentSpanId}"` : "") +
    (s.traceState !== "" ? `,"traceState":${q(s.traceState)}` : "") +
    `,"name":${q(s.name)},"kind":${SPAN_KIND[s.kind]}` +
    `,"startTimeUnixNano":"${unixNanos(s.startMs)}","endTimeUnixNano":"${unixNanos(s.endMs)}"` +
    `,"attributes":${attributes(s.tags)}` +
    (isErrorStatus(s) ? `,"status":{"code":${STATUS_ERROR}}` : "") + "}";
}

/** The JSON body of one export request (written as text: it is on the path of every sampled request). */
export function encodeOtlpJson(spans: readonly FinishedSpan[], resource: OtlpResource): string {
  return `{"resourceSpans":[{"resource":{"attributes":${attributes(resource.attributes)}},` +
    `"scopeSpans":[{"scope":{"name":${q(resource.scopeName)}},"spans":[${
      spans.map(encodeSpan).join(",")
    }]}]}]}`;
}
