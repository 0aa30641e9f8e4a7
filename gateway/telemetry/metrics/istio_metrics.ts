/**
 * Istio's standard HTTP metrics (`istio_requests_total`, `istio_request_duration_milliseconds`,
 * `istio_request_bytes`, `istio_response_bytes`) as the gateway pod reports them, with Envoy's default histogram
 * buckets. Recording is cheap: the label sets of a record are resolved once per distinct standard-tag key (and
 * expression values, when tag overrides use expressions) and cached; a hit is a map lookup and a few
 * increments.
 * @module
 */
import type { Registry } from "prom-client";
import { CelError, nodeAttribute, printValue, RecordActivation } from "../cel/mod.ts";
import type { CelMap } from "../cel/values.ts";
import type { RequestRecord } from "../request_record.ts";
import type { MetricsSettings } from "../resolve/settings.ts";
import type { GatewayWorkload } from "../workload.ts";
import {
  CounterFamily,
  type CounterSeries,
  HistogramFamily,
  type HistogramSeries,
  type Labels,
} from "./families.ts";
import { buildLabelPlans, HTTP_METRICS, type LabelPlans, type MetricPlan } from "./label_plan.ts";
import { ENVOY_DEFAULT_BUCKETS } from "./buckets.ts";
import { standardKey, standardTagValues } from "./standard_tags.ts";

export { ENVOY_DEFAULT_BUCKETS };

/** Options of {@link IstioMetrics}. */
export interface IstioMetricsOptions {
  /** The gateway's workload (the `source_*` labels). */
  readonly workload: GatewayWorkload;
  /** Resolved metrics settings; by default the metrics are on with no overrides. */
  readonly settings?: MetricsSettings;
  /** Most series per metric; label sets beyond it are not recorded (see {@link IstioMetrics.droppedSeries}). */
  readonly maxSeries?: number;
}

interface SeriesGroup {
  readonly requests?: CounterSeries;
  readonly duration?: HistogramSeries;
  readonly requestBytes?: HistogramSeries;
  readonly responseBytes?: HistogramSeries;
}

const DEFAULT_SETTINGS: MetricsSettings = { enabled: true, provider: "prometheus", overrides: [] };

/** Records Istio's standard HTTP metrics into a prom-client registry. */
export class IstioMetrics {
  readonly #workload: GatewayWorkload;
  readonly #node: CelMap;
  readonly #maxCache: number;
  readonly #requests: CounterFamily;
  readonly #duration: HistogramFamily;
  readonly #requestBytes: HistogramFamily;
  readonly #responseBytes: HistogramFamily;
  #enabled = true;
  #plans!: LabelPlans;
  #cache = new Map<string, SeriesGroup>();

  /** Registers the four metric families in `registry`. */
  constructor(registry: Registry, options: IstioMetricsOptions) {
    const maxSeries = options.maxSeries ?? 10_000;
    this.#workload = options.workload;
    this.#node = nodeAttribute(options.workload);
    this.#maxCache = maxSeries * 4;
    this.#requests = new CounterFamily(
      HTTP_METRICS.REQUEST_COUNT,
      "Requests, by Istio's standard labels.",
      maxSeries,
    );
    this.#duration = new HistogramFamily(
      HTTP_METRICS.REQUEST_DURATION,
      "Request duration in milliseconds, until the last response byte.",
      ENVOY_DEFAULT_BUCKETS,
      maxSeries,
    );
    this.#requestBytes = new HistogramFamily(
      HTTP_METRICS.REQUEST_SIZE,
      "Request body sizes in bytes.",
      ENVOY_DEFAULT_BUCKETS,
      maxSeries,
    );
    this.#responseBytes = new HistogramFamily(
      HTTP_METRICS.RESPONSE_SIZE,
      "Response body sizes in bytes.",
      ENVOY_DEFAULT_BUCKETS,
      maxSeries,
    );
    for (const f of [this.#requests, this.#duration, this.#requestBytes, this.#responseBytes]) {
      f.register(registry);
    }
    this.configure(options.settings ?? DEFAULT_SETTINGS);
  }

  /**
   * Applies new settings (after a config change). Existing series keep their values; new requests are
   * labelled by the new overrides. Returns the overrides that could not be applied.
   */
  configure(settings: MetricsSettings): readonly string[] {
    this.#enabled = settings.enabled;
    this.#plans = buildLabelPlans(settings);
    this.#cache = new Map();
    return this.#plans.warnings;
  }

  /** Label sets not recorded because a metric reached its series limit. */
  get droppedSeries(): number {
    return this.#requests.dropped + this.#duration.dropped + this.#requestBytes.dropped +
      this.#responseBytes.dropped;
  }

  /** Records one finished request. */
  record(rec: RequestRecord): void {
    if (!this.#enabled) return;
    let key = standardKey(rec);
    let exprValues: string[] | undefined;
    const expressions = this.#plans.expressions;
    if (expressions.length > 0) {
      const activation = new RecordActivation(rec, this.#node);
      exprValues = expressions.map((e) => {
        const v = e.evaluate(activation);
        return v instanceof CelError ? "unknown" : printValue(v);
      });
      key += `\u0002${exprValues.join("\u0001")}`;
    }
    let group = this.#cache.get(key);
    if (!group) {
      group = this.#resolve(rec, exprValues ?? []);
      if (this.#cache.size >= this.#maxCache) this.#cache.clear();
      this.#cache.set(key, group);
    }
    if (group.requests) group.requests.value++;
    if (group.duration) this.#duration.observe(group.duration, Math.floor(rec.durationMs));
    if (group.requestBytes) this.#requestBytes.observe(group.requestBytes, rec.requestBytes);
    if (group.responseBytes) this.#responseBytes.observe(group.responseBytes, rec.responseBytes);
  }

  #resolve(rec: RequestRecord, exprValues: readonly string[]): SeriesGroup {
    const std = standardTagValues(rec, this.#workload);
    const plans = this.#plans.metrics;
    const labels = (plan: MetricPlan): Labels | undefined => {
      if (!plan.labels) return undefined;
      const out: Record<string, string> = {};
      for (const l of plan.labels) out[l.name] = "std" in l ? std[l.std] : exprValues[l.expr];
      return out;
    };
    const series = <S>(plan: MetricPlan, family: { series(labels: Labels): S | undefined }) => {
      const l = labels(plan);
      return l ? family.series(l) : undefined;
    };
    return {
      requests: series(plans.REQUEST_COUNT, this.#requests),
      duration: series(plans.REQUEST_DURATION, this.#duration),
      requestBytes: series(plans.REQUEST_SIZE, this.#requestBytes),
      responseBytes: series(plans.RESPONSE_SIZE, this.#responseBytes),
    };
  }
}
