/**
 * Counter and histogram families built for a cheap hot path: the caller resolves a series (one label set)
 * once and then increments plain fields. They implement what prom-client's `Registry` reads from a metric
 * (`name`, `help`, `type`, `aggregator`, `get()`, `getForPromString()`, `reset()`), so they are registered
 * in, and exported by, the same registries as the project's other metrics. The number of series per family is
 * bounded.
 * @module
 */
import type { Metric, Registry } from "prom-client";

/** Labels of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One counter series. */
export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

/** One histogram series: per-bucket (not cumulative) counts, sum and count. */
export interface HistogramSeries {
  readonly labels: Labels;
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface ExportedValue {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Labels;
  readonly value: number;
}

interface ExportedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: ExportedValue[];
}

/** The key of a label set (names and values, in the given order). */
function labelsKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

abstract class Family<S extends { readonly labels: Labels }> {
  readonly aggregator = "sum";
  readonly #series = new Map<string, S>();
  #dropped = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "histogram",
    private readonly maxSeries: number,
  ) {}

  /** Series created so far. */
  get size(): number {
    return this.#series.size;
  }

  /** Label sets refused because the family was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The series of `labels`, created on first use; undefined when the family already holds `maxSeries`. */
  series(labels: Labels): S | undefined {
    const key = labelsKey(labels);
    let s = this.#series.get(key);
    if (!s) {
      if (this.#series.size >= this.maxSeries) {
        this.#dropped++;
        return undefined;
      }
      s = this.create(labels);
      this.#series.set(key, s);
    }
    return s;
  }

  /** Forgets every series. */
  reset(): void {
    this.#series.clear();
  }

  /** Registers the family in a prom-client registry. */
  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The family as prom-client's text exposition reads it: series labels shared by their samples. */
  getForPromString(): Promise<ExportedFamily> {
    const values: ExportedValue[] = [];
    for (const s of this.#series.values()) this.export(s, values);
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** The family as prom-client's JSON export reads it: every sample with all its labels. */
  async get(): Promise<ExportedFamily> {
    const family = await this.getForPromString();
    const values = family.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...sharedLabels, ...labels },
      sharedLabels: {},
    }));
    return { ...family, values };
  }

  protected abstract create(labels: Labels): S;
  protected abstract export(series: S, out: ExportedValue[]): void;
}

/** A counter family. */
export class CounterFamily extends Family<CounterSeries> {
  constructor(name: string, help: string, maxSeries: number) {
    super(name, help, "counter", maxSeries);
  }
  protected create(labels: Labels): CounterSeries {
    return { labels, value: 0 };
  }
  protected export(s: CounterSeries, out: ExportedValue[]): void {
    out.push({ labels: {}, sharedLabels: s.labels, value: s.value });
  }
}

/** A histogram family with fixed bucket bounds. */
export class HistogramFamily extends Family<HistogramSeries> {
  readonly #bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[], maxSeries: number) {
    super(name, help, "histogram", maxSeries);
    this.#bounds = bounds;
  }

  /** Adds one observation to a series. */
  observe(s: HistogramSeries, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    s.buckets[i]++;
    s.sum += value;
    s.count++;
  }

  protected create(labels: Labels): HistogramSeries {
    return { labels, buckets: new Array(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  protected export(s: HistogramSeries, out: ExportedValue[]): void {
    const bucketName = `${this.name}_bucket`;
    let cumulative = 0;
    for (let i = 0; i <= this.#bounds.length; i++) {
      cumulative += s.buckets[i];
      const le = i < this.#bounds.length ? this.#bounds[i] : "+Inf";
      out.push({ metricName: bucketName, labels: { le }, sharedLabels: s.labels, value: cumulative });
    }
    out.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: s.labels, value: s.sum });
    out.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: s.labels, value: s.count });
  }
}
