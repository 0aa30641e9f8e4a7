/**
 * The time and randomness sources the upstream resilience modules take, so tests can inject a fake clock and
 * a seeded generator.
 * @module
 */

/** Milliseconds on a monotonic-enough clock (`Date.now` or `performance.now` in production). */
export type Clock = () => number;

/** A uniform random number in `[0, 1)`, like `Math.random`. */
export type Random = () => number;

/** The default clock. */
export const systemClock: Clock = (): number => Date.now();

/** The default random source. */
export const systemRandom: Random = Math.random;

/** A uniform integer in `[0, n)` drawn from `random` (Envoy's `random() % n`). */
export function randomIndex(random: Random, n: number): number {
  const i = Math.floor(random() * n);
  return i >= n ? n - 1 : i;
}
