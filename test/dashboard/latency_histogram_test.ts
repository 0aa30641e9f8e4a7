import assert from "node:assert/strict";
import {
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  latencyBucket,
  latencyQuantile,
} from "../../gateway/dashboard/latency_histogram.ts";

function histogramOf(durations: number[]): Uint32Array {
  const counts = new Uint32Array(LATENCY_BUCKETS);
  for (const d of durations) counts[latencyBucket(d)]++;
  return counts;
}

Deno.test("latency buckets: first bound at or above the duration; above the last, the overflow bucket", () => {
  assert.equal(latencyBucket(0), 0);
  assert.equal(latencyBucket(1), 1);
  assert.equal(latencyBucket(7), LATENCY_BOUNDS_MS.indexOf(8));
  assert.equal(latencyBucket(8), LATENCY_BOUNDS_MS.indexOf(8));
  assert.equal(latencyBucket(1001), LATENCY_BOUNDS_MS.indexOf(1500));
  assert.equal(latencyBucket(60_000), LATENCY_BOUNDS_MS.length - 1);
  assert.equal(latencyBucket(1e9), LATENCY_BOUNDS_MS.length);
});

Deno.test("latency quantiles: exact for small whole milliseconds", () => {
  // 100 requests: 50 of 1 ms, 40 of 3 ms, 9 of 5 ms, 1 of 6 ms.
  const counts = histogramOf([...Array(50).fill(1), ...Array(40).fill(3), ...Array(9).fill(5), 6]);
  assert.equal(latencyQuantile(counts, 0.5), 1);
  assert.equal(latencyQuantile(counts, 0.9), 3);
  assert.equal(latencyQuantile(counts, 0.99), 5);
  assert.equal(latencyQuantile(counts, 1), 6);
});

Deno.test("latency quantiles: interpolated within wide buckets, capped at the last bound", () => {
  // 10 requests in (100, 120]: the median is halfway through the bucket.
  assert.equal(latencyQuantile(histogramOf(Array(10).fill(110)), 0.5), 110);
  assert.equal(latencyQuantile(histogramOf([5 * 60_000]), 0.5), 60_000);
  assert.equal(latencyQuantile(new Uint32Array(LATENCY_BUCKETS), 0.5), undefined);
});

Deno.test("latency quantiles: read at an offset of a larger array", () => {
  const counts = new Uint32Array(3 + LATENCY_BUCKETS);
  counts.set(histogramOf([2, 2, 4]), 3);
  assert.equal(latencyQuantile(counts, 0.5, 3), 2);
  assert.equal(latencyQuantile(counts, 0.99, 3), 4);
});
