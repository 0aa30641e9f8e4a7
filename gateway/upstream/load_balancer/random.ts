/**
 * RANDOM: a uniformly random endpoint. Like Envoy's random balancer this ignores endpoint weights.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { type Random, randomIndex, systemRandom } from "../clock.ts";
import { BaseBalancer, excludes, type LbContext, type LoadBalancerOptions } from "./types.ts";

/** Uniform random choice. */
export class RandomBalancer extends BaseBalancer {
  /** The algorithm. */
  readonly kind = "RANDOM";
  readonly #random: Random;

  /** A balancer over `endpoints`. */
  constructor(endpoints: readonly Endpoint[], options: LoadBalancerOptions = {}) {
    super(endpoints, options);
    this.#random = options.random ?? systemRandom;
  }

  /** The next endpoint; see `LoadBalancer.choose`. */
  override choose(_ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const pool = excludes(exclude) ? this.endpoints.filter((e) => !exclude.has(e)) : this.endpoints;
    return pool.length === 0 ? undefined : pool[randomIndex(this.#random, pool.length)];
  }
}
