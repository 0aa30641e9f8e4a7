/**
 * Metrics that filters define with `proxy_define_metric`: counters, gauges and histograms, shared by name
 * across plugins and VM restarts (a filter that redefines a metric gets the same one back). The gateway
 * exports them on its Prometheus endpoint through {@linkcode renderPrometheus} in `prometheus.ts`.
 * @module
 */
import { MetricType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import { ENVOY_DEFAULT_BUCKETS } from "../../gateway/telemetry/metrics/buckets.ts";

/** Envoy's default histogram bucket bounds (those of Istio's metrics). */
export const DEFAULT_BUCKETS: readonly number[] = ENVOY_DEFAULT_BUCKETS;

/** A counter or gauge. */
export interface ScalarMetric {
  /** The name the filter gave. */
  readonly name: string;
  /** Counter or gauge. */
  readonly type: typeof MetricType.Counter | typeof MetricType.Gauge;
  /** The current value. */
  value: number;
}

/** A histogram with cumulative-free per-bucket counts. */
export interface HistogramMetric {
  /** The name the filter gave. */
  readonly name: string;
  /** Histogram. */
  readonly type: typeof MetricType.Histogram;
  /** Upper bounds of the buckets. */
  readonly bounds: readonly number[];
  /** Observations per bucket (`counts[i]` for values ≤ `bounds[i]` and > the previous bound), plus +Inf. */
  readonly counts: number[];
  /** Sum of the observations. */
  sum: number;
  /** Number of observations. */
  count: number;
}

/** One metric. */
export type Metric = ScalarMetric | HistogramMetric;

/** The metrics of a gateway, by id and by name. */
export class MetricStore {
  readonly #byId: Metric[] = [];
  readonly #byName = new Map<string, number>();
  readonly #bounds: readonly number[];

  /** A store whose histograms use `bounds`. */
  constructor(bounds: readonly number[] = DEFAULT_BUCKETS) {
    this.#bounds = bounds;
  }

  /**
   * The id of metric `name` of `type`, created when new; undefined for an unknown type or a name already
   * used by another type.
   */
  define(type: number, name: string): number | undefined {
    const known = this.#byName.get(name);
    if (known !== undefined) return this.#byId[known].type === type ? known : undefined;
    let metric: Metric;
    if (type === MetricType.Counter || type === MetricType.Gauge) metric = { name, type, value: 0 };
    else if (type === MetricType.Histogram) {
      metric = {
        name,
        type,
        bounds: this.#bounds,
        counts: new Array(this.#bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
    } else return undefined;
    const id = this.#byId.length;
    this.#byId.push(metric);
    this.#byName.set(name, id);
    return id;
  }

  /** Adds `delta` to a counter (not negative) or a gauge; histograms cannot be incremented. */
  increment(id: number, delta: number): Status {
    const metric = this.#byId[id];
    if (!metric) return Status.NotFound;
    if (metric.type === MetricType.Histogram) return Status.BadArgument;
    if (metric.type === MetricType.Counter && delta < 0) return Status.BadArgument;
    metric.value += delta;
    return Status.Ok;
  }

  /** Adds to a counter, sets a gauge, or observes a histogram value. */
  record(id: number, value: number): Status {
    const metric = this.#byId[id];
    if (!metric) return Status.NotFound;
    if (metric.type === MetricType.Histogram) observe(metric, value);
    else if (metric.type === MetricType.Counter) metric.value += value;
    else metric.value = value;
    return Status.Ok;
  }

  /** The metric with `id`, if any. */
  byId(id: number): Metric | undefined {
    return this.#byId[id];
  }

  /** The metric named `name`, if defined. */
  byName(name: string): Metric | undefined {
    const id = this.#byName.get(name);
    return id === undefined ? undefined : this.#byId[id];
  }

  /** Every metric, in definition order. */
  all(): readonly Metric[] {
    return this.#byId;
  }
}

function observe(metric: HistogramMetric, value: number): void {
  const bounds = metric.bounds;
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  metric.counts[i]++;
  metric.sum += value;
  metric.count++;
}

/** The process-wide store, used by plugins that are given none. */
export const processMetrics: MetricStore = new MetricStore();
