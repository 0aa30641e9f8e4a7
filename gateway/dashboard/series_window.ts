/**
 * One traffic series (a route, a cluster, or all traffic) over the last minute: per one-second slot the
 * requests, the 5xx responses and a latency histogram, in one preallocated array. A slot is reused once its
 * second is more than a window old, so memory stays fixed however long the gateway runs.
 * @module
 */
import { LATENCY_BUCKETS, latencyBucket, latencyQuantile } from "./latency_histogram.ts";

/** Seconds a series keeps. */
export const WINDOW_SECONDS = 60;

/** Per slot: requests, 5xx, then the latency buckets. */
const SLOT = 2 + LATENCY_BUCKETS;

/** One series as the dashboard draws it: oldest second first, the current (incomplete) second left out. */
export interface SeriesPoints {
  /** Requests finished in each second (requests/s). */
  readonly rps: number[];
  /** 5xx share of each second, 0-1; null for a second without requests. */
  readonly errorRate: (number | null)[];
  /** Latency percentiles of each second, ms; null for a second without requests. */
  readonly p50: (number | null)[];
  readonly p90: (number | null)[];
  readonly p99: (number | null)[];
  /** Over the whole window. */
  readonly summary: SeriesSummary;
}

/** A series over the whole window. */
export interface SeriesSummary {
  readonly requests: number;
  /** Requests in the last complete second. */
  readonly rps: number;
  /** 5xx share over the window; null without requests. */
  readonly errorRate: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** A minute of one series in one-second slots. */
export class SeriesWindow {
  readonly #seconds = new Float64Array(WINDOW_SECONDS).fill(-1);
  readonly #counts = new Uint32Array(WINDOW_SECONDS * SLOT);
  /** The last second something was recorded (for evicting idle series). */
  lastSecond = -1;

  /** Counts one request finished during `second` (epoch seconds). */
  record(second: number, durationMs: number, serverError: boolean): void {
    const slot = second % WINDOW_SECONDS;
    const base = slot * SLOT;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts.fill(0, base, base + SLOT);
    }
    this.#counts[base]++;
    if (serverError) this.#counts[base + 1]++;
    this.#counts[base + 2 + latencyBucket(durationMs)]++;
    this.lastSecond = second;
  }

  /** The window ending just before `nowSecond` (the second in progress is not complete yet). */
  points(nowSecond: number): SeriesPoints {
    const rps: number[] = [];
    const errorRate: (number | null)[] = [];
    const p50: (number | null)[] = [];
    const p90: (number | null)[] = [];
    const p99: (number | null)[] = [];
    const merged = new Uint32Array(LATENCY_BUCKETS);
    let requests = 0;
    let errors = 0;
    for (let second = nowSecond - WINDOW_SECONDS; second < nowSecond; second++) {
      const slot = second % WINDOW_SECONDS;
      const base = slot * SLOT;
      const n = this.#seconds[slot] === second ? this.#counts[base] : 0;
      rps.push(n);
      if (n === 0) {
        for (const list of [errorRate, p50, p90, p99]) list.push(null);
        continue;
      }
      const e = this.#counts[base + 1];
      requests += n;
      errors += e;
      errorRate.push(e / n);
      p50.push(latencyQuantile(this.#counts, 0.5, base + 2)!);
      p90.push(latencyQuantile(this.#counts, 0.9, base + 2)!);
      p99.push(latencyQuantile(this.#counts, 0.99, base + 2)!);
      for (let i = 0; i < LATENCY_BUCKETS; i++) merged[i] += this.#counts[base + 2 + i];
    }
    return {
      rps,
      errorRate,
      p50,
      p90,
      p99,
      summary: {
        requests,
        rps: rps[rps.length - 1],
        errorRate: requests === 0 ? null : errors / requests,
        p50: latencyQuantile(merged, 0.5) ?? null,
        p90: latencyQuantile(merged, 0.9) ?? null,
        p99: latencyQuantile(merged, 0.99) ?? null,
      },
    };
  }
}
