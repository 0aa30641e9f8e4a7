/**
 * Envoy's default histogram bucket bounds, shared by Istio's standard metrics and the metrics WASM filters
 * define.
 * @module
 */

/** Envoy's default histogram bucket bounds, which Istio's metrics use (milliseconds or bytes). */
export const ENVOY_DEFAULT_BUCKETS: readonly number[] = [
  0.5,
  1,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
  30000,
  60000,
  300000,
  600000,
  1800000,
  3600000,
];
