/**
 * Resolves the effective telemetry settings of this gateway from the loaded config's Telemetry resources and
 * MeshConfig, with Istio's selection, inheritance and merge rules (istio/istio `pilot/pkg/model/telemetry.go`),
 * for a gateway (workload mode CLIENT, `reporter="source"`). Tracing is not resolved here.
 * @module
 */
import type { GatewayIdentity } from "../../compile/listeners.ts";
import type { ConfigSet } from "../../config/config_set.ts";
import type { MeshConfig } from "../../config/mesh/mod.ts";
import { accessLogSinks, findProvider } from "./access_log_sinks.ts";
import { applicableTelemetry } from "./applicable.ts";
import { mergeMetrics } from "./merge_metrics.ts";
import type { MetricsSettings, TelemetrySettings } from "./settings.ts";

export type {
  AccessLogSink,
  LogFormat,
  MetricOverride,
  MetricsSettings,
  TagOverride,
  TelemetrySettings,
} from "./settings.ts";

/** Options of {@link resolveTelemetry}. */
export interface ResolveOptions {
  /**
   * Metrics providers used when MeshConfig `defaultProviders.metrics` is empty. Istio's installation (the Helm
   * chart's mesh config) sets `[prometheus]`, so that is the default; pass `[]` for MeshConfig's bare default.
   */
  readonly defaultMetricsProviders?: readonly string[];
}

/** The effective metrics and access-log settings of the gateway `identity`. */
export function resolveTelemetry(
  config: ConfigSet,
  mesh: MeshConfig,
  identity: GatewayIdentity,
  options: ResolveOptions = {},
): TelemetrySettings {
  const warnings: string[] = [];
  const applicable = applicableTelemetry(config, identity, mesh.rootNamespace);
  const defaultMetrics = mesh.defaultProviders.metrics.length > 0
    ? mesh.defaultProviders.metrics
    : options.defaultMetricsProviders ?? ["prometheus"];
  return {
    metrics: metricsSettings(mergeMetrics(applicable.metrics, defaultMetrics), mesh, warnings),
    accessLogs: accessLogSinks(applicable.logging, mesh, warnings),
    sources: applicable.sources,
    warnings,
  };
}

function metricsSettings(
  merged: ReturnType<typeof mergeMetrics>,
  mesh: MeshConfig,
  warnings: string[],
): MetricsSettings {
  const prometheus = [...merged].filter(([name]) => {
    const provider = findProvider(mesh, name);
    if (!provider) {
      warnings.push(`metrics provider "${name}" is not defined in meshConfig.extensionProviders`);
    } else if (provider.type !== "prometheus") {
      warnings.push(`metrics provider "${name}" (${provider.type}) is not supported; only prometheus is`);
    }
    return provider?.type === "prometheus";
  }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (prometheus.length > 1) {
    warnings.push(
      `several prometheus providers are in scope (${prometheus.map(([n]) => n).join(", ")}); ` +
        `metrics are recorded once, with the settings of "${prometheus[0][0]}"`,
    );
  }
  const chosen = prometheus[0];
  if (!chosen || chosen[1].disabled) return { enabled: false, overrides: [] };
  return { enabled: true, provider: chosen[0], overrides: chosen[1].overrides };
}
