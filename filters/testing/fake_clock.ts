/**
 * A clock a test moves by hand: the filter's time (`proxy_get_current_time_nanoseconds`, WASI clocks), its
 * `on_tick` timer and HTTP-call timeouts all follow {@linkcode FakeClock.advance}.
 * @module
 */
import type { HostClock } from "../../wasm/mod.ts";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/** Most timers one `advance` runs (a tick period of 1 ms over an hour is 3.6 M; tests move less). */
const MAX_FIRINGS = 1_000_000;

/** A {@linkcode HostClock} whose time only moves when the test says so. */
export class FakeClock implements HostClock {
  #nowMs: number;
  #timers: Timer[] = [];
  #seq = 0;

  /** A clock at `startMs` milliseconds since the epoch. */
  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  /** The time in milliseconds since the epoch. */
  get nowMs(): number {
    return this.#nowMs;
  }

  now(): bigint {
    return BigInt(Math.round(this.#nowMs * 1000)) * 1000n;
  }

  monotonic(): bigint {
    return this.now();
  }

  schedule(run: () => void, ms: number): () => void {
    const timer = { at: this.#nowMs + Math.max(0, ms), seq: this.#seq++, run };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order, at its own time. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (let fired = 0; fired < MAX_FIRINGS; fired++) {
      const next = this.#next(target);
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = Math.max(this.#nowMs, next.at);
      next.run();
    }
    this.#nowMs = target;
  }

  #next(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (t.at > target) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
