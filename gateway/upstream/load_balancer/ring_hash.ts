/**
 * RING_HASH (Ketama-style consistent hashing): every endpoint owns points on a ring of 32-bit positions, a
 * request goes to the owner of the first point at or after its key's position (wrapping), and an excluded
 * owner passes the request on to the next point's owner. Without a hash key the position is random, as in
 * Envoy.
 *
 * Ring size: each endpoint gets `minimumRingSize × weight / smallest weight` points (rounded up), so an
 * endpoint's points depend only on itself and the smallest weight. Removing an endpoint (or excluding it)
 * therefore moves exactly the keys it owned, and the ring never has fewer than `minimumRingSize` points. Envoy
 * instead spreads `minimumRingSize` over all hosts, which re-cuts every host's points when one leaves. The
 * price is a ring `endpoints ×` larger (building 100k points takes tens of milliseconds), so the total is
 * capped at 2^20 points by scaling every endpoint's share down (beyond the cap, stability is approximate).
 * Prefer `exclude` over rebuilding for short-lived changes such as outlier ejections.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { type Random, systemRandom } from "../clock.ts";
import { derivedPoint, endpointKey, endpointWeight, hash53, keyHash } from "./hash.ts";
import { BaseBalancer, excludes, type LbContext, type LoadBalancerOptions } from "./types.ts";

/** Envoy's default `minimum_ring_size`. */
export const DEFAULT_MINIMUM_RING_SIZE = 1024;
/** The most points a ring gets here. */
export const MAXIMUM_RING_POINTS = 1 << 20;
const OWNER_SPACE = 2 ** 21;
const TWO_32 = 2 ** 32;

/** Options of the ring hash balancer. */
export interface RingHashOptions extends LoadBalancerOptions {
  /** Points per endpoint of the smallest weight (`consistentHash.ringHash.minimumRingSize`, default 1024). */
  readonly minimumRingSize?: number;
}

/** Consistent hashing on a ring. */
export class RingHashBalancer extends BaseBalancer {
  /** The algorithm. */
  readonly kind = "RING_HASH";
  /** Number of points on the ring. */
  readonly ringSize: number;
  /** Point positions (ascending). */
  readonly #positions: Uint32Array;
  /** The endpoint owning each point. */
  readonly #owners: Endpoint[];
  readonly #random: Random;

  /** Builds the ring for `endpoints`. */
  constructor(endpoints: readonly Endpoint[], options: RingHashOptions = {}) {
    super(endpoints, options);
    this.#random = options.random ?? systemRandom;
    // Owners are numbered in key order, so equal positions resolve the same way whatever the list order.
    const eps = [...this.endpoints].sort((a, b) => compare(endpointKey(a), endpointKey(b)));
    const minimum = options.minimumRingSize !== undefined && options.minimumRingSize > 0
      ? Math.min(Math.floor(options.minimumRingSize), MAXIMUM_RING_POINTS)
      : DEFAULT_MINIMUM_RING_SIZE;
    const weights = eps.map(endpointWeight);
    const minWeight = Math.min(...weights);
    let points = weights.map((w) => Math.ceil((minimum * w) / minWeight));
    const total = points.reduce((a, b) => a + b, 0);
    if (total > MAXIMUM_RING_POINTS) {
      const scale = MAXIMUM_RING_POINTS / total;
      points = points.map((p) => Math.max(1, Math.floor(p * scale)));
    }
    const size = points.reduce((a, b) => a + b, 0);
    // Position and owner packed into one exact double (32 + 21 bits) so a native numeric sort orders both.
    const packed = new Float64Array(size);
    let at = 0;
    eps.forEach((e, owner) => {
      const base = hash53(endpointKey(e));
      for (let k = 0; k < points[owner]; k++) packed[at++] = derivedPoint(base, k) * OWNER_SPACE + owner;
    });
    packed.sort();
    this.#positions = new Uint32Array(size);
    this.#owners = new Array(size);
    for (let i = 0; i < size; i++) {
      const owner = packed[i] % OWNER_SPACE;
      this.#positions[i] = (packed[i] - owner) / OWNER_SPACE;
      this.#owners[i] = eps[owner];
    }
    this.ringSize = size;
  }

  /** The next endpoint; see `LoadBalancer.choose`. */
  override choose(ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const size = this.ringSize;
    if (size === 0) return undefined;
    if (excludes(exclude) && this.endpoints.every((e) => exclude.has(e))) return undefined;
    const h = ctx?.hashKey === undefined
      ? Math.floor(this.#random() * TWO_32)
      : Math.floor(keyHash(ctx.hashKey) / OWNER_SPACE);
    let i = this.#lowerBound(h);
    for (let step = 0; step < size; step++) {
      const e = this.#owners[i];
      if (!excludes(exclude) || !exclude.has(e)) return e;
      i = i + 1 === size ? 0 : i + 1;
    }
    return undefined;
  }

  /** Index of the first point at or after position `h`, wrapping to 0 past the last. */
  #lowerBound(h: number): number {
    const positions = this.#positions;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === positions.length ? 0 : lo;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
