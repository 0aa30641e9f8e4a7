/**
 * LEAST_REQUEST (Istio's default, and LEAST_CONN's meaning): with equal weights, "power of two choices":
 * sample `choiceCount` endpoints at random (with replacement) and take the one with the fewest active requests,
 * the first sampled on a tie. With unequal weights, or while an endpoint warms up, each endpoint's weight is
 * scaled to `weight / (active + 1)` (Envoy's `active_request_bias` 1.0) and picked by smooth weighted round
 * robin, where Envoy uses an EDF scheduler over the same dynamic weights.
 *
 * Active counts come from `onRequestStart`/`onRequestEnd`, which the caller invokes around each attempt.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { type Random, randomIndex, systemClock, systemRandom } from "../clock.ts";
import { endpointWeight } from "./hash.ts";
import { SlowStart } from "./slow_start.ts";
import { SmoothWeighted } from "./smooth_weighted.ts";
import { BaseBalancer, excludes, type LbContext, type LoadBalancerOptions } from "./types.ts";

/** Least-request balancing. */
export class LeastRequestBalancer extends BaseBalancer {
  /** The algorithm. */
  readonly kind = "LEAST_REQUEST";
  readonly #weights: readonly number[];
  readonly #equal: boolean;
  readonly #random: Random;
  readonly #choices: number;
  readonly #smooth: SmoothWeighted;
  readonly #slowStart: SlowStart | undefined;

  /** A balancer over `endpoints`. */
  constructor(endpoints: readonly Endpoint[], options: LoadBalancerOptions = {}) {
    super(endpoints, options);
    this.#weights = this.endpoints.map(endpointWeight);
    this.#equal = this.#weights.every((w) => w === this.#weights[0]);
    this.#random = options.random ?? systemRandom;
    this.#choices = Math.max(1, Math.floor(options.choiceCount ?? 2));
    this.#smooth = new SmoothWeighted(this.endpoints.length);
    this.#slowStart = options.warmup && options.endpointAddedAt
      ? new SlowStart(options.warmup, options.now ?? systemClock, options.endpointAddedAt)
      : undefined;
  }

  /** The next endpoint; see `LoadBalancer.choose`. */
  override choose(_ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const eps = this.endpoints;
    if (eps.length === 0) return undefined;
    const factors = this.#slowStart?.factors(eps);
    if (this.#equal && factors === undefined) {
      const pool = excludes(exclude) ? eps.filter((e) => !exclude.has(e)) : eps;
      if (pool.length === 0) return undefined;
      let candidate = pool[randomIndex(this.#random, pool.length)];
      for (let c = 1; c < this.#choices; c++) {
        const sampled = pool[randomIndex(this.#random, pool.length)];
        if (this.active.get(sampled) < this.active.get(candidate)) candidate = sampled;
      }
      return candidate;
    }
    const weights = this.#weights;
    const i = this.#smooth.pick(
      (j) => (weights[j] * (factors === undefined ? 1 : factors[j])) / (this.active.get(eps[j]) + 1),
      excludes(exclude) ? (j) => !exclude.has(eps[j]) : () => true,
    );
    return i < 0 ? undefined : eps[i];
  }
}
