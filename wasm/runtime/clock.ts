/**
 * The host's time source: what `proxy_get_current_time_nanoseconds` and WASI clocks read, and what schedules
 * `on_tick` and HTTP-call timeouts. The data path uses the real clock; a test host (`filters/testing/`) gives a
 * fake one it advances by hand.
 * @module
 */

/** Time and timers for one plugin. */
export interface HostClock {
  /** Wall-clock time in nanoseconds since the epoch. */
  now(): bigint;
  /** Monotonic time in nanoseconds (WASI `CLOCK_MONOTONIC`). */
  monotonic(): bigint;
  /**
   * Runs `run` once after `ms` milliseconds; returns a canceller. An `unref` timer does not keep the process
   * alive.
   */
  schedule(run: () => void, ms: number, unref?: boolean): () => void;
}

function nanoseconds(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.floor((ms - whole) * 1_000_000));
}

/** The process clock: `performance` time and `setTimeout` timers. */
export const realClock: HostClock = Object.freeze({
  now: () => nanoseconds(performance.timeOrigin + performance.now()),
  monotonic: () => nanoseconds(performance.now()),
  schedule(run: () => void, ms: number, unref = false): () => void {
    const timer = setTimeout(run, ms);
    if (unref) Deno.unrefTimer(timer);
    return () => clearTimeout(timer);
  },
});
