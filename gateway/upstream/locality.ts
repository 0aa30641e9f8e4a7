/**
 * Locality-aware endpoint choice, as Istio configures Envoy for a gateway. `planLocalities`
 * (`locality_plan.ts`, Istio's half) gives a cluster's endpoints priorities and locality weights relative to
 * the gateway's locality and labels; `LocalitySelector` (Envoy's half) picks, per request or attempt, the
 * priority level and locality whose endpoints the load balancer then chooses from, given which endpoints are
 * ejected by outlier detection (the only unhealthy ones here).
 *
 * Per pick:
 * 1. Priority: each level's load comes from its healthy share (`priority_load.ts`: a level spills over to the
 *    next once fewer than ~71.4% of its hosts are healthy); a draw in 1..100 picks the level: random, or the
 *    request's hash modulo 100 for consistent hashing, as Envoy does. With `retryRemoteLocalities`, retries
 *    leave out the levels tried so far, updated every second attempt (Envoy `previous_priorities` with the
 *    update frequency Istio sets, 2).
 * 2. Source: a level in panic offers all its hosts. Otherwise, under locality weighting, a locality is drawn by
 *    its effective weight, `weight × min(1, 1.4 × healthy / hosts)` (Envoy walks an EDF schedule; a weighted
 *    random draw gives the same shares); without locality weighting, or for `levelOnly` picks, the level's
 *    hosts form one pool.
 *
 * Not modelled: degraded hosts (Envoy's `DEGRADED` status; nothing here reports it), zone-aware routing (it
 * needs a local cluster, which Istio does not configure).
 * @module
 */
import type { Endpoint } from "../compile/types.ts";
import { type Random, systemRandom } from "./clock.ts";
import { endpointKey } from "./load_balancer/hash.ts";
import type { LocalityPlan, PriorityLevel } from "./locality_plan.ts";
import {
  choosePriority,
  OVERPROVISIONING_FACTOR,
  type PriorityLoad,
  priorityLoad,
  retryPriorityLoad,
} from "./priority_load.ts";

export {
  effectiveLocalityLbSetting,
  endpointLocality,
  isSinglePool,
  type Locality,
  type LocalityGroup,
  localityMatches,
  type LocalityPlan,
  localityPriority,
  parseLocality,
  planLocalities,
  type PriorityLevel,
  sanitizeLocality,
  withTopologyLabels,
} from "./locality_plan.ts";
export {
  choosePriority,
  levelAvailability,
  type LevelHealth,
  OVERPROVISIONING_FACTOR,
  type PriorityLoad,
  priorityLoad,
  RETRY_PRIORITY_UPDATE_FREQUENCY,
  retryPriorityLoad,
} from "./priority_load.ts";

/** Where a pick lands: a priority level, and one of its localities or the whole level. */
export interface LocalityPick {
  readonly priority: number;
  /** Index of the chosen locality in the level's `groups`; undefined when the level is one pool. */
  readonly group?: number;
  /** The level is in panic: its ejected hosts are eligible too. */
  readonly panic: boolean;
}

/** What a pick depends on besides the plan. */
export interface PickInput {
  /** The endpoints ejected now. */
  readonly ejected: ReadonlySet<Endpoint>;
  /**
   * The hosts of this request's earlier attempts, oldest first, one per attempt; given only when retries
   * should move to other priorities (`retryRemoteLocalities`).
   */
  readonly attempted?: readonly Endpoint[];
  /** The request's hash (consistent hashing), which picks the level instead of a random draw. */
  readonly hash?: number;
  /** Pick a level only, never a locality (consistent hashing keeps one ring per level). */
  readonly levelOnly?: boolean;
}

/** Options of `LocalitySelector`. */
export interface LocalitySelectorOptions {
  /** Healthy percentage under which a level is in panic (`minHealthPercent`); 0 (the default) = never. */
  readonly panicThreshold?: number;
  /** Random source for the priority and locality draws. */
  readonly random?: Random;
}

/** Picks the priority level and locality of each request or attempt under a plan. */
export class LocalitySelector {
  /** The plan picked from. */
  readonly plan: LocalityPlan;
  readonly #panicThreshold: number;
  readonly #random: Random;
  /** The level of each endpoint, by `address:port`. */
  readonly #levelOf = new Map<string, number>();

  /** A selector over `plan`. */
  constructor(plan: LocalityPlan, options: LocalitySelectorOptions = {}) {
    this.plan = plan;
    this.#panicThreshold = options.panicThreshold ?? 0;
    this.#random = options.random ?? systemRandom;
    plan.priorities.forEach((level, i) => {
      for (const e of level.endpoints) this.#levelOf.set(endpointKey(e), i);
    });
  }

  /** The level `endpoint` belongs to; undefined when it is not in the plan. */
  levelOf(endpoint: Endpoint): number | undefined {
    return this.#levelOf.get(endpointKey(endpoint));
  }

  /** Each level's load and panic state while `ejected` are out. */
  load(ejected: ReadonlySet<Endpoint>): PriorityLoad {
    return priorityLoad(
      this.plan.priorities.map((level) => ({
        hosts: level.endpoints.length,
        healthy: ejected.size === 0 ? level.endpoints.length : countHealthy(level.endpoints, ejected),
      })),
      this.#panicThreshold,
    );
  }

  /** The level (and locality) for one request or attempt; undefined when the plan has no endpoints. */
  pick(input: PickInput): LocalityPick | undefined {
    const levels = this.plan.priorities;
    if (levels.length === 0) return undefined;
    const state = this.load(input.ejected);
    let load = state.load;
    if (input.attempted !== undefined && input.attempted.length > 0) {
      const tried: number[] = [];
      for (const e of input.attempted) {
        const level = this.levelOf(e);
        if (level !== undefined) tried.push(level);
      }
      load = retryPriorityLoad(state, tried);
    }
    const draw = input.hash !== undefined
      ? (Math.abs(Math.trunc(input.hash)) % 100) + 1
      : Math.min(100, Math.floor(this.#random() * 100) + 1);
    const priority = choosePriority(load, draw);
    const panic = state.panic[priority] ?? false;
    if (panic || input.levelOnly || !this.plan.weighted) return { priority, panic };
    const group = this.#chooseLocality(levels[priority], input.ejected);
    return group < 0 ? { priority, panic } : { priority, group, panic };
  }

  /** A locality of `level` drawn by effective weight; -1 when none has a healthy host. */
  #chooseLocality(level: PriorityLevel, ejected: ReadonlySet<Endpoint>): number {
    const weights = level.groups.map((g) => effectiveLocalityWeight(g.weight, g.endpoints, ejected));
    let total = 0;
    for (const w of weights) total += w;
    if (total <= 0) return -1;
    let r = this.#random() * total;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) continue;
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.findLastIndex((w) => w > 0);
  }
}

/** A locality's weight scaled by its availability: `weight × min(1, 1.4 × healthy / hosts)` (Envoy). */
export function effectiveLocalityWeight(
  weight: number,
  endpoints: readonly Endpoint[],
  ejected: ReadonlySet<Endpoint>,
): number {
  if (endpoints.length === 0) return 0;
  const healthy = ejected.size === 0 ? endpoints.length : countHealthy(endpoints, ejected);
  return weight * Math.min(1, ((OVERPROVISIONING_FACTOR / 100) * healthy) / endpoints.length);
}

function countHealthy(endpoints: readonly Endpoint[], ejected: ReadonlySet<Endpoint>): number {
  let n = 0;
  for (const e of endpoints) if (!ejected.has(e)) n++;
  return n;
}
