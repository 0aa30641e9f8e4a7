/**
 * The `LoadBalancer` contract shared by every algorithm, the per-request context, the options the factory
 * passes, and the active-request counters that LEAST_REQUEST reads.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import type { Clock, Random } from "../clock.ts";
import { endpointKey } from "./hash.ts";
import type { Warmup } from "./slow_start.ts";

/** The algorithms a balancer can run (Envoy `lb_policy`). PASSTHROUGH is not one: see `lbPolicyOf`. */
export type LbKind = "ROUND_ROBIN" | "LEAST_REQUEST" | "RANDOM" | "RING_HASH" | "MAGLEV";

/** What a balancer may know about the request being routed. */
export interface LbContext {
  /**
   * The request's hash key (from `hashKeyFor`), read by RING_HASH and MAGLEV only. A string is hashed; a bigint
   * is taken as an already computed hash. Without one a consistent-hash balancer picks at random, as Envoy does.
   */
  readonly hashKey?: string | bigint;
  /**
   * The route's `retryRemoteLocalities`: retries move to priorities not tried yet (Envoy `previous_priorities`).
   * Read by locality-aware balancing, together with `attempted`.
   */
  readonly retryRemoteLocalities?: boolean;
  /** The hosts of this request's earlier attempts, oldest first, one entry per attempt. */
  readonly attempted?: readonly Endpoint[];
}

/**
 * Chooses endpoints out of a fixed list (the cluster's healthy endpoints when the balancer was built). Build a
 * new balancer when the list changes; share an `ActiveRequests` between the old and new one to keep counts.
 */
export interface LoadBalancer {
  /** The algorithm. */
  readonly kind: LbKind;
  /** The endpoints the balancer chooses from. */
  readonly endpoints: readonly Endpoint[];
  /**
   * The endpoint for the next request or attempt, never one in `exclude` (previous attempts' hosts, ejected
   * hosts); `undefined` when the list is empty or everything is excluded. Envoy's retry host predicate gives up
   * after `hostSelectionMaxAttempts` and reuses a host; callers wanting that may call again without `exclude`.
   */
  choose(ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined;
  /** Counts a request as active on `endpoint` (call when the request is sent to it). */
  onRequestStart(endpoint: Endpoint): void;
  /** Ends a request counted by `onRequestStart` (response complete, reset or timeout). */
  onRequestEnd(endpoint: Endpoint): void;
  /** Requests currently active on `endpoint`. */
  activeRequests(endpoint: Endpoint): number;
}

/** Active requests per endpoint (`address:port`), shareable between balancers built for one cluster. */
export class ActiveRequests {
  readonly #counts = new Map<string, number>();
  #total = 0;

  /** Active requests on every endpoint together. */
  get total(): number {
    return this.#total;
  }

  /** Active requests on `endpoint`. */
  get(endpoint: Endpoint): number {
    return this.#counts.get(endpointKey(endpoint)) ?? 0;
  }

  /** One more active request on `endpoint`. */
  increment(endpoint: Endpoint): void {
    const key = endpointKey(endpoint);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#total++;
  }

  /** One fewer active request on `endpoint` (never below zero). */
  decrement(endpoint: Endpoint): void {
    const key = endpointKey(endpoint);
    const before = this.#counts.get(key) ?? 0;
    if (before === 0) return;
    this.#total--;
    if (before > 1) this.#counts.set(key, before - 1);
    else this.#counts.delete(key);
  }
}

/** What `createLoadBalancer` and the balancer constructors take besides the endpoints. */
export interface LoadBalancerOptions {
  /** Random source for RANDOM, LEAST_REQUEST sampling, hashless consistent hashing, round-robin start. */
  readonly random?: Random;
  /** Clock for warmup (slow start). */
  readonly now?: Clock;
  /** Active request counts; a fresh one when absent. */
  readonly active?: ActiveRequests;
  /**
   * When each endpoint joined the cluster (clock milliseconds), for warmup; endpoints without a time are not
   * warming up. Envoy measures from the time the host was added (or last passed an active health check).
   */
  readonly endpointAddedAt?: (endpoint: Endpoint) => number | undefined;
  /** Warmup (slow start) for ROUND_ROBIN and LEAST_REQUEST; `createLoadBalancer` fills it from the settings. */
  readonly warmup?: Warmup;
  /** LEAST_REQUEST: hosts sampled per pick when weights are equal (Envoy `choice_count`, default 2). */
  readonly choiceCount?: number;
}

/** Shared bookkeeping: the endpoint list and active counts. */
export abstract class BaseBalancer implements LoadBalancer {
  abstract readonly kind: LbKind;
  readonly endpoints: readonly Endpoint[];
  protected readonly active: ActiveRequests;

  constructor(endpoints: readonly Endpoint[], options: LoadBalancerOptions) {
    this.endpoints = [...endpoints];
    this.active = options.active ?? new ActiveRequests();
  }

  abstract choose(ctx?: LbContext, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined;

  onRequestStart(endpoint: Endpoint): void {
    this.active.increment(endpoint);
  }

  onRequestEnd(endpoint: Endpoint): void {
    this.active.decrement(endpoint);
  }

  activeRequests(endpoint: Endpoint): number {
    return this.active.get(endpoint);
  }
}

/** Whether `exclude` removes anything (the fast paths skip filtering when it does not). */
export function excludes(exclude: ReadonlySet<Endpoint> | undefined): exclude is ReadonlySet<Endpoint> {
  return exclude !== undefined && exclude.size > 0;
}
