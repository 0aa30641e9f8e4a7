/**
 * The rate limit on VM restarts: a token bucket of `burst` tokens refilled one per `intervalMs`.
 * @module
 */

/** Restart tokens. */
export class RestartBudget {
  readonly #burst: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updated: number;

  /** A full bucket of `burst` tokens earning one per `intervalMs`. */
  constructor(burst: number, intervalMs: number, now: () => number = performance.now.bind(performance)) {
    this.#burst = burst;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#tokens = burst;
    this.#updated = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0 when one is). */
  wait(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) * this.#intervalMs);
  }

  #refill(): void {
    const now = this.#now();
    const earned = this.#intervalMs > 0 ? (now - this.#updated) / this.#intervalMs : this.#burst;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#updated = now;
  }
}
