/**
 * Per-cluster circuit breaking and connection-pool settings from a DestinationRule's `connectionPool`, as
 * Istio maps them onto Envoy (cluster_traffic_policy.go `applyConnectionPool`):
 *
 * | Istio | Envoy | default |
 * | --- | --- | --- |
 * | `tcp.maxConnections` | `max_connections` | 2^32−1 |
 * | `http.http1MaxPendingRequests` | `max_pending_requests` | 2^32−1 |
 * | `http.http2MaxRequests` | `max_requests` | 2^32−1 |
 * | `http.maxRetries` | `max_retries` (concurrent retries) | 2^32−1 |
 * | `http.maxRequestsPerConnection` | `max_requests_per_connection` | 0 = unlimited (1 disables keep-alive) |
 * | `http.idleTimeout`, else `tcp.idleTimeout` | `idle_timeout` | 1h (0 disables) |
 * | `tcp.maxConnectionDuration` | `max_connection_duration` | none |
 * | `tcp.connectTimeout` | `connect_timeout` | `meshConfig.connectTimeout` (10s) |
 *
 * Istio reads 0 (or a negative value) for a limit as unset. Overflowing connections, pending requests or
 * requests fails the request locally with 503, flag UO and `x-envoy-overloaded: true`; overflowing retries only
 * cancels the retry (the last response goes to the client).
 *
 * The model follows Envoy's connection pool (`admit`): a request uses a ready connection when there is one
 * (`maxRequests` permitting), otherwise it waits as a pending request (`maxPendingRequests` permitting) while a
 * new connection is opened if `maxConnections` allows; a pending request that finds no free slot stays queued.
 * @module
 */
import type { ConnectionPoolSettings } from "../config/kinds/networking/destination_rule.ts";
import { parseDuration } from "../config/duration.ts";

/** Istio's "unlimited": `math.MaxUint32`. */
export const UNLIMITED = 4_294_967_295;

/** The resources a cluster's circuit breaker counts. */
export type CircuitResource = "connections" | "pendingRequests" | "requests" | "retries";

/** Limits per resource. */
export type CircuitBreakerThresholds = Readonly<Record<CircuitResource, number>>;

/** Settings the connection pool reads. */
export interface ConnectionPoolConfig {
  /** TCP (and TLS) connect timeout. */
  readonly connectTimeoutMs: number;
  /** Close a connection idle this long; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Requests per connection before it is closed; 0 = unlimited, 1 = no keep-alive. */
  readonly maxRequestsPerConnection: number;
  /** Close connections this old (after their current request); `undefined` = no limit. */
  readonly maxConnectionDurationMs?: number;
  /** TCP keepalive probes, as configured (`tcp.tcpKeepalive`). */
  readonly tcpKeepalive?: {
    readonly probes?: number;
    readonly timeMs?: number;
    readonly intervalMs?: number;
  };
  /** `http.h2UpgradePolicy`. */
  readonly h2UpgradePolicy: "DEFAULT" | "DO_NOT_UPGRADE" | "UPGRADE";
  /** `http.useClientProtocol`: speak the downstream's HTTP version upstream. */
  readonly useClientProtocol: boolean;
  /** `http.maxConcurrentStreams` (HTTP/2); 0 = Envoy's default. */
  readonly maxConcurrentStreams: number;
}

const HOUR_MS = 3_600_000;

function limit(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : UNLIMITED;
}

function ms(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}

/** Circuit breaker limits of `settings` (unset or non-positive values mean unlimited). */
export function resolveThresholds(settings: ConnectionPoolSettings | undefined): CircuitBreakerThresholds {
  return {
    connections: limit(settings?.tcp?.maxConnections),
    pendingRequests: limit(settings?.http?.http1MaxPendingRequests),
    requests: limit(settings?.http?.http2MaxRequests),
    retries: limit(settings?.http?.maxRetries),
  };
}

/** Connection pool settings of `settings`; `meshConnectTimeout` is `meshConfig.connectTimeout` (default 10s). */
export function resolveConnectionPool(
  settings: ConnectionPoolSettings | undefined,
  meshConnectTimeout = "10s",
): ConnectionPoolConfig {
  const tcp = settings?.tcp;
  const http = settings?.http;
  const idle = ms(http?.idleTimeout) ?? ms(tcp?.idleTimeout);
  const keepalive = tcp?.tcpKeepalive;
  return {
    connectTimeoutMs: ms(tcp?.connectTimeout) ?? ms(meshConnectTimeout) ?? 10_000,
    idleTimeoutMs: idle ?? HOUR_MS,
    maxRequestsPerConnection: Math.max(0, http?.maxRequestsPerConnection ?? 0),
    maxConnectionDurationMs: ms(tcp?.maxConnectionDuration),
    tcpKeepalive: keepalive === undefined ? undefined : {
      probes: keepalive.probes,
      timeMs: ms(keepalive.time),
      intervalMs: ms(keepalive.interval),
    },
    h2UpgradePolicy: http?.h2UpgradePolicy ?? "DEFAULT",
    useClientProtocol: http?.useClientProtocol ?? false,
    maxConcurrentStreams: Math.max(0, http?.maxConcurrentStreams ?? 0),
  };
}

/** Overflow counters, named after Envoy's cluster stats. */
export interface CircuitBreakerStats {
  /** `upstream_cx_overflow`: a connection was wanted but `maxConnections` was reached. */
  readonly cxOverflow: number;
  /** `upstream_rq_pending_overflow`: rejected for `maxPendingRequests` or `maxRequests`. */
  readonly rqPendingOverflow: number;
  /** `upstream_rq_retry_overflow`: a retry was cancelled for `maxRetries`. */
  readonly retryOverflow: number;
}

/** What `CircuitBreaker.admit` tells the connection pool to do with a new request. */
export type Admission =
  /** Send it on the ready connection now (a `requests` slot was taken). */
  | { readonly action: "dispatch" }
  /** Queue it (a `pendingRequests` slot was taken) and open a connection for it (a `connections` slot too). */
  | { readonly action: "connect" }
  /** Queue it (a `pendingRequests` slot was taken) until a connection frees up. */
  | { readonly action: "queue" }
  /** Fail it: 503 UO (`overflowResponse`). */
  | { readonly action: "overflow"; readonly resource: "pendingRequests" | "requests" };

/** The local reply for an overflow, as Envoy sends it. */
export interface OverflowResponse {
  /** HTTP status. */
  readonly status: 503;
  /** Access-log response flag. */
  readonly flags: "UO";
  /** `%RESPONSE_CODE_DETAILS%`. */
  readonly details: string;
  /** Response body. */
  readonly body: string;
  /** Response headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Envoy's reply when a circuit breaker overflows. */
export const OVERFLOW_RESPONSE: OverflowResponse = Object.freeze({
  status: 503,
  flags: "UO",
  details: "upstream_reset_before_response_started{overflow}",
  body: "upstream connect error or disconnect/reset before headers. reset reason: overflow",
  headers: Object.freeze({ "content-type": "text/plain", "x-envoy-overloaded": "true" }),
});

/** Counters and limits of one cluster. */
export class CircuitBreaker {
  /** The limits. */
  readonly thresholds: CircuitBreakerThresholds;
  readonly #active: Record<CircuitResource, number> = {
    connections: 0,
    pendingRequests: 0,
    requests: 0,
    retries: 0,
  };
  #cxOverflow = 0;
  #rqPendingOverflow = 0;
  #retryOverflow = 0;

  /** A breaker with `thresholds` (missing ones unlimited), e.g. `resolveThresholds(connectionPool)`. */
  constructor(thresholds: Partial<CircuitBreakerThresholds> = {}) {
    this.thresholds = {
      connections: thresholds.connections ?? UNLIMITED,
      pendingRequests: thresholds.pendingRequests ?? UNLIMITED,
      requests: thresholds.requests ?? UNLIMITED,
      retries: thresholds.retries ?? UNLIMITED,
    };
  }

  /** In use now. */
  active(resource: CircuitResource): number {
    return this.#active[resource];
  }

  /** Left before the limit (Envoy's `remaining_*` gauges). */
  remaining(resource: CircuitResource): number {
    return Math.max(0, this.thresholds[resource] - this.#active[resource]);
  }

  /** Whether one more `resource` fits. */
  canCreate(resource: CircuitResource): boolean {
    return this.#active[resource] < this.thresholds[resource];
  }

  /** Takes one `resource` if it fits; counts the overflow otherwise. */
  tryAcquire(resource: CircuitResource): boolean {
    if (!this.canCreate(resource)) {
      if (resource === "connections") this.#cxOverflow++;
      else if (resource === "retries") this.#retryOverflow++;
      else this.#rqPendingOverflow++;
      return false;
    }
    this.#active[resource]++;
    return true;
  }

  /** Returns one `resource` taken by `tryAcquire` or `admit`. */
  release(resource: CircuitResource): void {
    if (this.#active[resource] > 0) this.#active[resource]--;
  }

  /**
   * Admits a new request given whether a connection is ready for it now. Takes the resources the answer
   * names; the pool later releases `pendingRequests` when the request leaves the queue (and then takes a
   * `requests` slot with `tryAcquire`, failing with UO if that overflows), `requests` when it completes and
   * `connections` when a connection closes.
   */
  admit(readyConnection: boolean): Admission {
    if (readyConnection) {
      return this.tryAcquire("requests")
        ? { action: "dispatch" }
        : { action: "overflow", resource: "requests" };
    }
    if (!this.tryAcquire("pendingRequests")) return { action: "overflow", resource: "pendingRequests" };
    return this.tryAcquire("connections") ? { action: "connect" } : { action: "queue" };
  }

  /** Overflow counters. */
  get stats(): CircuitBreakerStats {
    return {
      cxOverflow: this.#cxOverflow,
      rqPendingOverflow: this.#rqPendingOverflow,
      retryOverflow: this.#retryOverflow,
    };
  }
}
