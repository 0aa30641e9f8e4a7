/**
 * Istio's merge of the applicable `metrics` configs (`mergeMetrics`): providers given at a level replace the
 * inherited ones; overrides apply in order, per provider, per workload mode (CLIENT for a gateway) and per
 * metric, with later tag overrides replacing earlier ones of the same tag; a disabled `ALL_METRICS` drops the
 * provider's filter until a later override enables metrics again.
 * @module
 */
import {
  ISTIO_METRICS,
  type Metrics,
  type MetricsOverrides,
} from "../../config/kinds/telemetry/telemetry.ts";
import type { MetricOverride, TagOverride } from "./settings.ts";

/** The CLIENT-mode metrics of one provider. */
export interface ProviderMetrics {
  /** True when `ALL_METRICS` is disabled: no stats filter. */
  readonly disabled: boolean;
  readonly overrides: readonly MetricOverride[];
}

/** Every standard metric except `ALL_METRICS`, sorted. */
const ALL_METRIC_NAMES: readonly string[] = ISTIO_METRICS.filter((m) => m !== "ALL_METRICS").sort();

interface Accumulated {
  disabled?: boolean;
  tags: Map<string, { operation: "UPSERT" | "REMOVE"; value?: string }>;
}

/** Merges `metrics` over the default providers; the result is keyed by provider name. */
export function mergeMetrics(
  metrics: readonly Metrics[],
  defaultProviders: readonly string[],
): Map<string, ProviderMetrics> {
  const providers = new Map<string, Map<string, Accumulated>>();
  if (metrics.length === 0) { for (const p of defaultProviders) providers.set(p, new Map()); }

  let names = defaultProviders;
  for (const m of metrics) {
    const own = providerNames(m);
    if (own.length > 0) names = own;
  }
  const inScope = new Set(names);
  const disabledAll = new Set<string>();

  let parent = defaultProviders;
  for (const m of metrics) {
    const own = providerNames(m);
    const current = own.length > 0 ? own : parent;
    parent = current;
    for (const provider of current) {
      if (!inScope.has(provider)) continue;
      let byMetric = providers.get(provider);
      if (!byMetric) providers.set(provider, byMetric = new Map());
      for (const o of m.overrides ?? []) applyOverride(o, provider, byMetric, disabledAll);
    }
  }

  const out = new Map<string, ProviderMetrics>();
  for (const [provider, byMetric] of providers) {
    if (disabledAll.has(provider)) {
      out.set(provider, { disabled: true, overrides: [] });
      continue;
    }
    const overrides = [...byMetric].map(([metric, acc]) => toOverride(metric, acc));
    overrides.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    out.set(provider, { disabled: false, overrides });
  }
  return out;
}

function providerNames(m: Metrics): readonly string[] {
  return (m.providers ?? []).map((p) => p.name);
}

/** Applies one override to the CLIENT mode of a provider (SERVER-only overrides do not concern a gateway). */
function applyOverride(
  o: MetricsOverrides,
  provider: string,
  byMetric: Map<string, Accumulated>,
  disabledAll: Set<string>,
): void {
  const mode = o.match?.mode ?? "CLIENT_AND_SERVER";
  const isAll = o.match?.customMetric === undefined &&
    (o.match?.metric === undefined || o.match.metric === "ALL_METRICS");
  if (mode === "SERVER") {
    return;
  }
  if (isAll && o.disabled === true) {
    disabledAll.add(provider);
    return;
  }
  disabledAll.delete(provider);
  const metricNames = o.match?.customMetric !== undefined
    ? [o.match.customMetric]
    : isAll
    ? ALL_METRIC_NAMES
    : [o.match!.metric!];
  for (const metric of metricNames) {
    let acc = byMetric.get(metric);
    if (!acc) byMetric.set(metric, acc = { tags: new Map() });
    if (o.disabled !== undefined && o.disabled !== null) acc.disabled = o.disabled;
    for (const [tag, t] of Object.entries(o.tagOverrides ?? {})) {
      acc.tags.set(tag, { operation: t.operation ?? "UPSERT", value: t.value });
    }
  }
}

function toOverride(metric: string, acc: Accumulated): MetricOverride {
  const tags: TagOverride[] = [...acc.tags].map(([name, t]) =>
    t.operation === "REMOVE"
      ? { name, remove: true, value: "" }
      : { name, remove: false, value: t.value ?? "" }
  );
  tags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { metric, disabled: acc.disabled ?? false, tags };
}
