/**
 * The gateway's effective tracing settings, resolved from the Telemetry API and MeshConfig: what the tracer and
 * the span exporter are built from.
 * @module
 */

/** Which headers carry the trace context: W3C (OpenTelemetry), B3 (Zipkin), or B3 plus `traceparent`. */
export type Propagation = "w3c" | "b3" | "b3+w3c";

/** A custom span tag (Telemetry `customTags` or MeshConfig `defaultConfig.tracing.customTags`). */
export type CustomTagSpec =
  | { readonly name: string; readonly kind: "literal"; readonly value: string }
  | {
    readonly name: string;
    readonly kind: "environment" | "header";
    readonly from: string;
    readonly defaultValue: string;
  }
  | { readonly name: string; readonly kind: "formatter"; readonly format: string };

/** Where and how finished spans are sent. */
export interface SpanExportTarget {
  /** OTLP/HTTP with a JSON body, or Zipkin v2 JSON. */
  readonly format: "otlp" | "zipkin";
  /** The gateway cluster of the collector, `outbound|PORT||HOST`. */
  readonly cluster: string;
  /** The `Host` header (the collector's service host). */
  readonly authority: string;
  readonly path: string;
  readonly timeoutMs: number;
  /** Extra request headers (provider `headers`, values read from the environment when `envName` is set). */
  readonly headers: readonly (readonly [string, string])[];
}

/** Tracing as configured for this gateway (Istio's CLIENT-mode tracing spec). */
export interface TracingSettings {
  /** The extension provider's name. */
  readonly provider: string;
  readonly providerType: "opentelemetry" | "zipkin";
  readonly propagation: Propagation;
  /** Random sampling percentage, 0..100. */
  readonly samplingPercent: number;
  /** Random sampling reads the `x-request-id`; when false every request counts as sampled. */
  readonly useRequestIdForTraceSampling: boolean;
  /** Istio's `istio.*` tags (canonical service, mesh id, namespace, cluster id). */
  readonly enableIstioTags: boolean;
  /** False with `disableContextPropagation`: spans are reported but no context goes upstream. */
  readonly propagate: boolean;
  /** Sorted by name. */
  readonly customTags: readonly CustomTagSpec[];
  /** Longest path in the `http.url` tag. */
  readonly maxPathTagLength: number;
  /** Read `OTEL_RESOURCE_ATTRIBUTES` into the span resource (the `environment` resource detector). */
  readonly environmentResource: boolean;
  /** Undefined when spans cannot be sent (OTLP over gRPC): they are still made and propagated. */
  readonly export?: SpanExportTarget;
}

/** The resolution's outcome. */
export interface TracingResolution {
  /** Undefined when tracing is off for this gateway. */
  readonly settings?: TracingSettings;
  /** What could not be honoured, one sentence each. */
  readonly warnings: readonly string[];
}
