/**
 * Telemetry: Istio's standard metrics, the Telemetry API and MeshConfig access-log settings, and Envoy-format
 * access logs, all fed by one {@link RequestRecord} per finished request.
 *
 * Integration: create one {@link GatewayTelemetry} with the Prometheus registry and the gateway identity, call
 * `update(snapshot.config, snapshot.mesh)` whenever a snapshot is swapped in, `record(rec)` when a downstream
 * request finishes, and `close()` on shutdown. Tracing (`tracing/`) hangs off the same object: the data path
 * takes a trace per request from `tracer`, and `record` ends it.
 * @module
 */
export { GatewayTelemetry, type GatewayTelemetryOptions } from "./gateway_telemetry.ts";
export type { DestinationWorkload, RecordTrace, RequestRecord } from "./request_record.ts";
export {
  type AccessLogSink,
  type LogFormat,
  type MetricOverride,
  type MetricsSettings,
  type ResolveOptions,
  resolveTelemetry,
  type TagOverride,
  type TelemetrySettings,
} from "./resolve/mod.ts";
export { ENVOY_DEFAULT_BUCKETS, IstioMetrics, type IstioMetricsOptions } from "./metrics/istio_metrics.ts";
export { STANDARD_TAGS } from "./metrics/standard_tags.ts";
export { AccessLogs } from "./access_log/access_logs.ts";
export { compileLogFormat, type LineFormatter, type OperatorContext } from "./access_log/formatter.ts";
export {
  ENVOY_DEFAULT_TEXT_FORMAT,
  ISTIO_DEFAULT_JSON_LABELS,
  ISTIO_DEFAULT_TEXT_FORMAT,
} from "./access_log/default_formats.ts";
export { BufferedLogWriter, type ByteSink, openPathSink, type WriterOptions } from "./access_log/writer.ts";
export { WriterPool } from "./access_log/writer_pool.ts";
export { canonicalService, type GatewayWorkload, gatewayWorkload } from "./workload.ts";
export { type CelExpression, compileCel } from "./cel/mod.ts";
