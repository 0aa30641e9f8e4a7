/**
 * Fixed latency buckets for the dashboard: one count per bucket, percentiles estimated from the counts.
 * Durations arrive in whole milliseconds, so the buckets up to 6 ms hold one value each and are exact; wider
 * buckets are interpolated linearly, as Prometheus's `histogram_quantile` does.
 * @module
 */

/** Upper bounds (inclusive, ms) of the buckets; one more bucket holds everything above the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  8,
  10,
  12,
  15,
  20,
  25,
  30,
  40,
  50,
  60,
  80,
  100,
  120,
  150,
  200,
  250,
  300,
  400,
  500,
  600,
  800,
  1000,
  1500,
  2000,
  3000,
  5000,
  10000,
  30000,
  60000,
];

/** Number of buckets, the overflow bucket included. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket of a duration: the first whose upper bound is at least `ms` (binary search). */
export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (LATENCY_BOUNDS_MS[mid] >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The `q` quantile (0-1) of the counts `counts[offset .. offset + LATENCY_BUCKETS)`, in ms; undefined when
 * they are all zero. Values in the overflow bucket report the last bound.
 */
export function latencyQuantile(counts: ArrayLike<number>, q: number, offset = 0): number | undefined {
  let total = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) total += counts[offset + i];
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    const n = counts[offset + i];
    if (n > 0 && below + n >= rank) {
      if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
      const upper = LATENCY_BOUNDS_MS[i];
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      if (upper - lower <= 1) return upper;
      return lower + (upper - lower) * Math.max(0, rank - below) / n;
    }
    below += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}
