/**
 * Distributed tracing as Istio's Envoy does it at a gateway: the Telemetry API and MeshConfig resolved to one
 * provider (OpenTelemetry with W3C `traceparent`, or Zipkin with B3), Envoy's tracing decision packed into
 * `x-request-id`, a SERVER span per request and a CLIENT span per upstream attempt whose context goes
 * upstream, and sampled spans exported in batches over OTLP/HTTP (JSON) or Zipkin v2 JSON through the
 * gateway's own cluster of the collector.
 *
 * Integration: {@link GatewayTracing} is owned by the gateway telemetry (`update` per config, `close` on
 * shutdown); the data path asks its {@link Tracer} for a {@link RequestTrace} per request.
 * @module
 */
export { GatewayTracing, type GatewayTracingOptions } from "./gateway_tracing.ts";
export { type LocalNode, SYSTEM_CLOCK, type TraceClock, Tracer, type TracerOptions } from "./tracer.ts";
export { type AttemptEnd, RequestTrace, type RouteSource, type UpstreamHeaders } from "./request_trace.ts";
export {
  BatchSpanExporter,
  type EncodedBatch,
  type ExporterOptions,
  type ExporterStats,
  type ExportRequest,
  type SpanTransport,
  SYSTEM_TIMERS,
  type Timers,
} from "./exporter.ts";
export { calloutTransport } from "./transport.ts";
export { lookupService, resolveTracing } from "./resolve.ts";
export type {
  CustomTagSpec,
  Propagation,
  SpanExportTarget,
  TracingResolution,
  TracingSettings,
} from "./settings.ts";
export type { Extraction, LocalContext, RemoteContext } from "./context.ts";
export { extractW3c, formatTraceparent, parseTraceparent } from "./w3c.ts";
export { extractB3, extractB3Sampled } from "./b3.ts";
export { decideTrace, packedReason, packReason, samplingNumerator, type TraceReason } from "./sampling.ts";
export type { FinishedSpan, SpanKind } from "./span.ts";
export { encodeOtlpJson } from "./otlp_json.ts";
export { encodeZipkinJson } from "./zipkin_json.ts";
