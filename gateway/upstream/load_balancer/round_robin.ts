/**
 * ROUND_ROBIN: plain rotation when all weights are equal (Envoy's unweighted path), smooth weighted round robin
 * otherwise or while an endpoint is warming up. Envoy uses an EDF scheduler for the weighted case; both give
 * each endpoint its weight's share of every `Σw` picks.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { randomIndex, systemClock, systemRandom } from "../clock.ts";
import { endpointWeight } from "./hash.ts";
import { SlowStart } from "./slow_start.ts";
import { SmoothWeighted } from "./smooth_weighted.ts";
import { BaseBalancer, excludes, type LbContext, type LoadBalancerOptions } from "./types.ts";

/** Round robin over weighted endpoints. */
export class RoundRobinBalancer extends BaseBalancer {
  /** The algorithm. */
  readonly kind = "ROUND_ROBIN";
  readonly #weights: readonly number[];
  readonly #equal: boolean;
  readonly #smooth: SmoothWeighted;
  readonly #slowStart: SlowStart | undefined;
  #next: number;

  /** A balancer over `endpoints`; the rotation starts at a random offset, as Envoy's does. */
  constructor(endpoints: readonly Endpoint[], options: LoadBalancerOptions = {}) {
    super(endpoints, options);
    this.#weights = this.endpoints.map(endpointWeight);
    this.#equal = this.#weights.every((w) => w === this.#weights[0]);
    this.#smooth = new SmoothWeighted(this.endpoints.length);
    this.#slowStart = options.warmup && options.endpointAddedAt
      ? new SlowStart(options.warmup, options.now ?? systemClock, options.endpointAddedAt)
      : undefined;
    const n = this.endpoints.length;
    const offset = n > 1 ? randomIndex(options.random ?? systemRandom, n) : 0;
    this.#next = this.#equal ? offset : 0;
    if (!this.#equal) { for (let i = 0; i < offset; i++) this.choose(); }
  }

  /** The next endpoint; see `LoadBalancer.choose`. */
  override choose(_ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return undefined;
    const factors = this.#slowStart?.factors(eps);
    if (this.#equal && factors === undefined) {
      for (let step = 0; step < n; step++) {
        const i = this.#next;
        this.#next = i + 1 === n ? 0 : i + 1;
        if (!excludes(exclude) || !exclude.has(eps[i])) return eps[i];
      }
      return undefined;
    }
    const weights = this.#weights;
    const i = this.#smooth.pick(
      factors === undefined ? (j) => weights[j] : (j) => weights[j] * factors[j],
      excludes(exclude) ? (j) => !exclude.has(eps[j]) : () => true,
    );
    return i < 0 ? undefined : eps[i];
  }
}
