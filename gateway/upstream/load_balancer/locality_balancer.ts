/**
 * A load balancer over a cluster's locality plan: each request or attempt first gets a priority level and
 * locality from a `LocalitySelector`, then the cluster's own algorithm (one balancer per locality, and one per
 * level for pools without locality weighting) chooses among that source's hosts. Ejected hosts are left out
 * unless their level is in panic; `exclude` (hosts tried already) is honoured as by every balancer.
 *
 * When the chosen source has nothing left once `exclude` is applied, the pick is drawn again, up to
 * `hostSelectionMaxAttempts` times in all, as Envoy re-selects for its retry host predicate; after that the
 * balancer answers `undefined` and the caller may call again without the tried hosts.
 *
 * Retries reach other priorities only with `LbContext.retryRemoteLocalities` and `LbContext.attempted`.
 * Consistent-hash balancers keep one ring per level, the level chosen by the request's hash; locality weights
 * do not reshape their rings (Envoy scales ring weights by them).
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import { type Random, systemRandom } from "../clock.ts";
import { LocalitySelector } from "../locality.ts";
import type { LocalityPlan } from "../locality_plan.ts";
import { keyHash } from "./hash.ts";
import { ActiveRequests, type LbContext, type LbKind, type LoadBalancer } from "./types.ts";

/** What `LocalityBalancer` takes besides the plan. */
export interface LocalityBalancerOptions {
  /** The cluster's algorithm (what `build` makes). */
  readonly kind: LbKind;
  /** Builds the cluster's balancer over some endpoints (called once per level and locality). */
  readonly build: (endpoints: readonly Endpoint[]) => LoadBalancer;
  /** The endpoints ejected now (outlier detection). */
  readonly ejected?: () => ReadonlySet<Endpoint>;
  /** Healthy percentage under which a level is in panic (`minHealthPercent`); 0 = never. */
  readonly panicThreshold?: number;
  /** Random source for the priority and locality draws. */
  readonly random?: Random;
  /** Active request counts, shared with the built balancers. */
  readonly active?: ActiveRequests;
  /** Picks per `choose` before giving up on hosts outside `exclude` (Envoy's retry default, 5). */
  readonly hostSelectionMaxAttempts?: number;
}

const NONE: ReadonlySet<Endpoint> = new Set();

interface LevelBalancers {
  readonly pool: LoadBalancer;
  readonly localities: readonly LoadBalancer[];
}

/** Priority- and locality-aware balancing over a `LocalityPlan`. */
export class LocalityBalancer implements LoadBalancer {
  /** The algorithm used within each source. */
  readonly kind: LbKind;
  /** Every endpoint of the plan. */
  readonly endpoints: readonly Endpoint[];
  /** The priority and locality picker. */
  readonly selector: LocalitySelector;
  readonly #levels: readonly LevelBalancers[];
  readonly #ejected: () => ReadonlySet<Endpoint>;
  readonly #active: ActiveRequests;
  readonly #maxPicks: number;
  readonly #hashing: boolean;

  /** A balancer over `plan`, building the per-source balancers with `options.build`. */
  constructor(plan: LocalityPlan, options: LocalityBalancerOptions) {
    this.selector = new LocalitySelector(plan, {
      panicThreshold: options.panicThreshold,
      random: options.random ?? systemRandom,
    });
    this.#ejected = options.ejected ?? (() => NONE);
    this.#active = options.active ?? new ActiveRequests();
    this.#maxPicks = Math.max(1, options.hostSelectionMaxAttempts ?? 5);
    this.kind = options.kind;
    this.#hashing = this.kind === "RING_HASH" || this.kind === "MAGLEV";
    const byLocality = plan.weighted && !this.#hashing;
    this.#levels = plan.priorities.map((level) => ({
      pool: options.build(level.endpoints),
      localities: byLocality ? level.groups.map((g) => options.build(g.endpoints)) : [],
    }));
    this.endpoints = plan.priorities.flatMap((level) => level.endpoints);
  }

  /** The endpoint for the next request or attempt; see `LoadBalancer.choose`. */
  choose(ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    const ejected = this.#ejected();
    const input = {
      ejected,
      attempted: ctx?.retryRemoteLocalities ? ctx.attempted : undefined,
      hash: this.#hashing && ctx?.hashKey !== undefined ? keyHash(ctx.hashKey) : undefined,
      levelOnly: this.#hashing,
    };
    for (let i = 0; i < this.#maxPicks; i++) {
      const pick = this.selector.pick(input);
      if (!pick) return undefined;
      const level = this.#levels[pick.priority];
      const lb = pick.group === undefined ? level.pool : level.localities[pick.group];
      const endpoint = lb.choose(ctx, pick.panic ? minus(exclude, ejected) : union(exclude, ejected));
      if (endpoint) return endpoint;
      if (input.hash !== undefined) return undefined; // the same pick every time
    }
    return undefined;
  }

  /** Counts a request as active on `endpoint`. */
  onRequestStart(endpoint: Endpoint): void {
    this.#active.increment(endpoint);
  }

  /** Ends a request counted by `onRequestStart`. */
  onRequestEnd(endpoint: Endpoint): void {
    this.#active.decrement(endpoint);
  }

  /** Requests currently active on `endpoint`. */
  activeRequests(endpoint: Endpoint): number {
    return this.#active.get(endpoint);
  }
}

/** `a ∪ b`, reusing either when the other adds nothing. */
function union(a: ReadonlySet<Endpoint> | undefined, b: ReadonlySet<Endpoint>): ReadonlySet<Endpoint> {
  if (a === undefined || a.size === 0) return b;
  if (b.size === 0) return a;
  let missing = false;
  for (const e of b) {
    if (!a.has(e)) {
      missing = true;
      break;
    }
  }
  return missing ? new Set([...a, ...b]) : a;
}

/** `a` without `b`. */
function minus(
  a: ReadonlySet<Endpoint> | undefined,
  b: ReadonlySet<Endpoint>,
): ReadonlySet<Endpoint> | undefined {
  if (a === undefined || a.size === 0 || b.size === 0) return a;
  const out = new Set<Endpoint>();
  for (const e of a) if (!b.has(e)) out.add(e);
  return out;
}
