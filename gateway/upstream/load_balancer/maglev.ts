/**
 * MAGLEV (Google's Maglev hashing, as Envoy implements it): a lookup table of prime size (default 65537) is
 * filled by letting endpoints take turns claiming the next free slot of their own pseudo-random permutation of
 * the table (offset and skip from two hashes of `address:port`); with unequal weights an endpoint takes a turn
 * only as often as its weight relative to the largest. A request goes to `table[hash % size]`; an excluded
 * owner passes it to the next slot's owner, so exclusion moves exactly the excluded endpoint's keys.
 *
 * Rebuilding the table without an endpoint moves its keys plus a small fraction of others (the algorithm's
 * "minimal disruption", about 1-2% at the default size with few endpoints), not zero as RING_HASH does here.
 * A table size that is not prime is raised to the next prime (Envoy rejects the cluster instead); sizes are
 * capped at Envoy's maximum, 5000011.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { type Random, systemRandom } from "../clock.ts";
import { endpointKey, endpointWeight, hash53, keyHash } from "./hash.ts";
import { BaseBalancer, excludes, type LbContext, type LoadBalancerOptions } from "./types.ts";

/** Envoy's default table size. */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;
/** Envoy's largest accepted table size. */
export const MAXIMUM_MAGLEV_TABLE_SIZE = 5000011;

/** Options of the Maglev balancer. */
export interface MaglevOptions extends LoadBalancerOptions {
  /** Table size (`consistentHash.maglev.tableSize`, default 65537); should be prime. */
  readonly tableSize?: number;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** `n` if prime, else the next prime above it. */
export function nextPrime(n: number): number {
  let p = Math.max(2, Math.ceil(n));
  while (!isPrime(p)) p++;
  return p;
}

/** Consistent hashing with a Maglev table. */
export class MaglevBalancer extends BaseBalancer {
  /** The algorithm. */
  readonly kind = "MAGLEV";
  /** Number of slots in the table. */
  readonly tableSize: number;
  readonly #table: Int32Array;
  readonly #random: Random;

  /** Builds the table for `endpoints`. */
  constructor(endpoints: readonly Endpoint[], options: MaglevOptions = {}) {
    super(endpoints, options);
    this.#random = options.random ?? systemRandom;
    const requested = options.tableSize !== undefined && options.tableSize > 0
      ? Math.min(options.tableSize, MAXIMUM_MAGLEV_TABLE_SIZE)
      : DEFAULT_MAGLEV_TABLE_SIZE;
    const m = nextPrime(requested);
    this.tableSize = m;
    this.#table = this.endpoints.length === 0 ? new Int32Array(0) : this.#build(m);
  }

  #build(m: number): Int32Array {
    const eps = this.endpoints;
    const n = eps.length;
    const table = new Int32Array(m).fill(-1);
    const weights = eps.map(endpointWeight);
    const maxWeight = Math.max(...weights);
    const position = new Float64Array(n);
    const skip = new Float64Array(n);
    const target = new Float64Array(n);
    eps.forEach((e, i) => {
      const key = endpointKey(e);
      position[i] = hash53(key, 1) % m;
      skip[i] = (hash53(key, 2) % (m - 1)) + 1;
    });
    let filled = 0;
    for (let iteration = 1; filled < m; iteration++) {
      for (let i = 0; i < n && filled < m; i++) {
        // An endpoint of the largest weight takes a turn every iteration, one of a third of it every third.
        if (iteration * weights[i] < target[i]) continue;
        target[i] += maxWeight;
        let c = position[i];
        while (table[c] !== -1) c = (c + skip[i]) % m;
        table[c] = i;
        position[i] = (c + skip[i]) % m;
        filled++;
      }
    }
    return table;
  }

  /** The next endpoint; see `LoadBalancer.choose`. */
  override choose(ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const eps = this.endpoints;
    const table = this.#table;
    const m = table.length;
    if (m === 0) return undefined;
    if (excludes(exclude) && eps.every((e) => exclude.has(e))) return undefined;
    const h = ctx?.hashKey === undefined ? Math.floor(this.#random() * m) : keyHash(ctx.hashKey) % m;
    let slot = h;
    for (let step = 0; step < m; step++) {
      const e = eps[table[slot]];
      if (!excludes(exclude) || !exclude.has(e)) return e;
      slot = slot + 1 === m ? 0 : slot + 1;
    }
    return undefined;
  }
}
