/**
 * The effective telemetry settings of the gateway, resolved from Telemetry resources and MeshConfig: what the
 * metrics and access-log runtimes are built from.
 * @module
 */

/** A tag change of one metric: remove a standard tag, or set a tag (standard or new) from a CEL expression. */
export interface TagOverride {
  readonly name: string;
  readonly remove: boolean;
  /** CEL expression (empty when `remove`). */
  readonly value: string;
}

/** The merged override of one metric (`REQUEST_COUNT`, ..., or a custom metric name). */
export interface MetricOverride {
  readonly metric: string;
  readonly disabled: boolean;
  /** Sorted by tag name. */
  readonly tags: readonly TagOverride[];
}

/** The standard metrics as this gateway (Istio's CLIENT mode) reports them. */
export interface MetricsSettings {
  /** False when no Prometheus provider is in scope or `ALL_METRICS` is disabled. */
  readonly enabled: boolean;
  /** Name of the Prometheus provider serving them. */
  readonly provider?: string;
  /** Sorted by metric name. */
  readonly overrides: readonly MetricOverride[];
}

/** How access-log lines are written: an Envoy format string, or JSON with a format string per key. */
export type LogFormat =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "json"; readonly labels: Readonly<Record<string, unknown>> };

/** One access log: where it goes, its format, and which requests it logs. */
export interface AccessLogSink {
  /** The provider name, or empty for MeshConfig `accessLogFile`. */
  readonly provider: string;
  /** `/dev/stdout`, `/dev/stderr` or a file path. */
  readonly path: string;
  readonly format: LogFormat;
  /** Envoy's `omit_empty_values`: empty text for missing values, missing JSON keys left out. */
  readonly omitEmptyValues: boolean;
  /** CEL expression; only requests for which it is true are logged. */
  readonly filter?: string;
}

/** Everything resolved, plus what could not be honoured. */
export interface TelemetrySettings {
  readonly metrics: MetricsSettings;
  readonly accessLogs: readonly AccessLogSink[];
  /** `namespace/name` of the Telemetry resources that applied, root first. */
  readonly sources: readonly string[];
  /** Configuration Portcullis ignores (unsupported providers, bad formats), one sentence each. */
  readonly warnings: readonly string[];
}
