/**
 * The live state of an upstream cluster: its load balancer, outlier detector and circuit breaker, built from
 * the cluster's DestinationRule policy. State survives a config reload while the cluster's policy and endpoints
 * stay the same, so ejections and counters are not reset by unrelated changes.
 *
 * When the cluster has locality load balancing (`Cluster.localityLb`) that splits its endpoints into several
 * priorities or weighted localities, the balancer is a `LocalityBalancer`: it picks a priority and locality
 * from the endpoints' health (outlier ejections) before the cluster's algorithm picks the host.
 * @module
 */
import type { Cluster, Endpoint } from "../compile/types.ts";
import {
  CircuitBreaker,
  type ConnectionPoolConfig,
  resolveConnectionPool,
  resolveThresholds,
  UNLIMITED,
} from "../upstream/circuit_breaker.ts";
import {
  createLoadBalancer,
  lbPolicyOf,
  type LoadBalancer,
  type LoadBalancerOptions,
  LocalityBalancer,
} from "../upstream/load_balancer/mod.ts";
import { endpointKey } from "../upstream/load_balancer/hash.ts";
import { ActiveRequests } from "../upstream/load_balancer/types.ts";
import { isSinglePool, planLocalities } from "../upstream/locality.ts";
import { ClusterCounters } from "../upstream/cluster_counters.ts";
import { createOutlierDetector, type OutlierDetector } from "../upstream/outlier_detector.ts";

/** A held upstream slot (connection + request under HTTP/1.1); release it once the exchange is over. */
export interface Slot {
  release(): void;
}

/** The slot of a cluster without connection limits: nothing to count or release. */
export const FREE_SLOT: Slot = { release() {} };

/** Balancer, outlier detector and circuit breaker of one cluster. */
export class ClusterState {
  readonly cluster: Cluster;
  readonly breaker: CircuitBreaker;
  readonly outlier?: OutlierDetector;
  /** Connection settings (connect timeout, requests per connection, idle timeout). */
  readonly pool: ConnectionPoolConfig;
  /** Request counters (Envoy's `upstream_rq_*` cluster stats). */
  readonly counters: ClusterCounters;
  readonly #unlimited: boolean;
  readonly #active = new ActiveRequests();
  #balancer?: { endpoints: readonly Endpoint[]; lb: LoadBalancer };
  readonly #waiting: ((slot: Slot | undefined) => void)[] = [];
  /** When each endpoint (`address:port`) joined; undefined for those there from the start (no warmup). */
  readonly #joined: Map<string, number | undefined>;

  /**
   * `joined`: when known endpoints joined the cluster (for warmup); `counters`: the counters of the cluster's
   * previous state, kept across a policy change as Envoy keeps stats by cluster name.
   */
  constructor(
    cluster: Cluster,
    meshConnectTimeout?: string,
    joined = new Map<string, number | undefined>(),
    counters = new ClusterCounters(),
  ) {
    this.cluster = cluster;
    this.counters = counters;
    this.#joined = joined;
    const policy = cluster.trafficPolicy;
    this.pool = resolveConnectionPool(policy?.connectionPool, meshConnectTimeout);
    this.breaker = new CircuitBreaker(resolveThresholds(policy?.connectionPool));
    const t = this.breaker.thresholds;
    this.#unlimited = t.connections === UNLIMITED && t.pendingRequests === UNLIMITED &&
      t.requests === UNLIMITED;
    this.outlier = createOutlierDetector(policy?.outlierDetection, cluster.endpoints);
  }

  /** True when the DestinationRule asks for PASSTHROUGH (original destination) balancing. */
  get passthrough(): boolean {
    return lbPolicyOf(this.cluster.trafficPolicy?.loadBalancer) === "PASSTHROUGH";
  }

  /** The balancer over `endpoints` (rebuilt only when the list changes, e.g. a new DNS answer). */
  balancer(endpoints: readonly Endpoint[]): LoadBalancer {
    if (this.#balancer?.endpoints !== endpoints) {
      const settings = this.cluster.trafficPolicy?.loadBalancer;
      const now = Date.now();
      for (const e of endpoints) {
        const key = endpointKey(e);
        if (!this.#joined.has(key)) this.#joined.set(key, this.#balancer === undefined ? undefined : now);
      }
      const options = {
        active: this.#active,
        endpointAddedAt: (e: Endpoint) => this.#joined.get(endpointKey(e)),
      };
      this.outlier?.setEndpoints(endpoints);
      const lb = this.passthrough
        ? createLoadBalancer({ simple: "ROUND_ROBIN" }, endpoints, options)
        : this.#localityBalancer(endpoints, options) ?? createLoadBalancer(settings, endpoints, options);
      this.#balancer = { endpoints, lb };
    }
    return this.#balancer.lb;
  }

  /** A locality-aware balancer, when locality load balancing splits `endpoints` into several pools. */
  #localityBalancer(endpoints: readonly Endpoint[], options: LoadBalancerOptions): LoadBalancer | undefined {
    const locality = this.cluster.localityLb;
    const settings = this.cluster.trafficPolicy?.loadBalancer;
    const kind = lbPolicyOf(settings);
    if (!locality || kind === "PASSTHROUGH") return undefined;
    const plan = planLocalities(endpoints, locality);
    if (isSinglePool(plan, endpoints.length)) return undefined;
    const outlier = this.outlier;
    return new LocalityBalancer(plan, {
      kind,
      build: (list) => createLoadBalancer(settings, list, options),
      ejected: outlier ? () => outlier.ejected(endpoints) : undefined,
      panicThreshold: outlier?.config.minHealthPercent ?? 0,
      active: this.#active,
    });
  }

  /** Requests in flight to the cluster's endpoints now (`upstream_rq_active`). */
  get requestsActive(): number {
    return this.#active.total;
  }

  /** Requests waiting for a connection slot now (`upstream_rq_pending_active`). */
  get requestsPending(): number {
    return this.#waiting.length;
  }

  /** Requests in flight to `endpoint` now. */
  activeRequests(endpoint: Endpoint): number {
    return this.#active.get(endpoint);
  }

  /** True when the endpoint `address:port` belongs (or belonged) to this cluster. */
  hasEndpoint(key: string): boolean {
    return this.#joined.has(key) || this.cluster.endpoints.some((e) => endpointKey(e) === key);
  }

  /** The join time of the endpoint `address:port`. */
  joinedAtKey(key: string): number | undefined {
    return this.#joined.get(key);
  }

  /** When `endpoint` joined the cluster (for warmup); undefined when it was there from the start. */
  joinedAt(endpoint: Endpoint): number | undefined {
    return this.#joined.get(endpointKey(endpoint));
  }

  /**
   * Takes a slot for one upstream exchange, as Envoy's HTTP/1.1 pool does: a free connection (`maxConnections`)
   * dispatches at once, otherwise the request waits in the pending queue (`http1MaxPendingRequests`) for one;
   * a full queue, or `http2MaxRequests` reached, overflows (undefined: answer 503 UO).
   */
  admit(): Slot | undefined | Promise<Slot | undefined> {
    if (this.#unlimited) return FREE_SLOT;
    const direct = this.#tryDispatch();
    if (direct !== null) return direct;
    if (!this.breaker.tryAcquire("pendingRequests")) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** A slot now, undefined on a request overflow, null when every connection is busy. */
  #tryDispatch(): Slot | undefined | null {
    if (!this.breaker.tryAcquire("connections")) return null;
    if (!this.breaker.tryAcquire("requests")) {
      this.breaker.release("connections");
      return undefined;
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.breaker.release("requests");
        this.breaker.release("connections");
        this.#dispatchWaiting();
      },
    };
  }

  #dispatchWaiting(): void {
    const next = this.#waiting.shift();
    if (!next) return;
    this.breaker.release("pendingRequests");
    const slot = this.#tryDispatch();
    next(slot === null ? undefined : slot);
  }
}

/** Cluster states by cluster, kept across snapshots while a cluster is unchanged. */
export class ClusterStates {
  #byCluster = new WeakMap<Cluster, ClusterState>();
  #byName = new Map<string, { fingerprint: string; state: ClusterState }>();

  /** The state of the cluster named `name`, when it has served traffic. */
  byName(name: string): ClusterState | undefined {
    return this.#byName.get(name)?.state;
  }

  /** The state of each cluster that has served traffic, by cluster name (the latest one per name). */
  *entries(): IterableIterator<[string, ClusterState]> {
    for (const [name, { state }] of this.#byName) yield [name, state];
  }

  /** The state of `cluster` (`meshConnectTimeout` is `meshConfig.connectTimeout`). */
  get(cluster: Cluster, meshConnectTimeout?: string): ClusterState {
    const hit = this.#byCluster.get(cluster);
    if (hit) return hit;
    const fingerprint = JSON.stringify([
      cluster.trafficPolicy ?? null,
      cluster.localityLb ?? null,
      cluster.endpoints,
      cluster.resolution,
      meshConnectTimeout ?? null,
    ]);
    const known = this.#byName.get(cluster.name);
    let state: ClusterState;
    if (known?.fingerprint === fingerprint) {
      state = known.state;
    } else {
      // A changed cluster keeps its endpoints' join times; endpoints new to it start warming up.
      const joined = new Map<string, number | undefined>();
      if (known) {
        const now = Date.now();
        for (const e of cluster.endpoints) {
          const key = endpointKey(e);
          joined.set(key, known.state.hasEndpoint(key) ? known.state.joinedAtKey(key) : now);
        }
      }
      state = new ClusterState(cluster, meshConnectTimeout, joined, known?.state.counters);
    }
    this.#byName.set(cluster.name, { fingerprint, state });
    this.#byCluster.set(cluster, state);
    return state;
  }
}
