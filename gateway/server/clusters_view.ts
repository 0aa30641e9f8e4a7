/**
 * The admin `/clusters` page as Envoy prints it: per cluster its circuit-breaker limits and counters, per
 * endpoint its health (outlier ejection shows as `/failed_outlier_check`), weight, locality, priority and
 * requests in flight; `?format=json` gives the same as Envoy's `cluster_statuses` JSON.
 * @module
 */
import type { Cluster, Endpoint } from "../compile/types.ts";
import type { ClusterState, ClusterStates } from "../proxy/cluster_state.ts";

/** One endpoint's live status. */
export interface HostStatus {
  readonly address: string;
  readonly port: number;
  readonly healthy: boolean;
  readonly failedOutlierCheck: boolean;
  readonly weight: number;
  readonly locality?: string;
  readonly rqActive: number;
}

/** One cluster's live status. */
export interface ClusterStatus {
  readonly name: string;
  readonly limits: Readonly<Record<string, number>>;
  readonly counters: Readonly<Record<string, number>>;
  readonly hosts: readonly HostStatus[];
}

function hostStatus(endpoint: Endpoint, state: ClusterState | undefined): HostStatus {
  const ejected = state?.outlier?.isEjected(endpoint) ?? false;
  return {
    address: endpoint.address,
    port: endpoint.port,
    healthy: !ejected,
    failedOutlierCheck: ejected,
    weight: endpoint.weight > 0 ? endpoint.weight : 1,
    locality: endpoint.locality,
    rqActive: state?.activeRequests(endpoint) ?? 0,
  };
}

/** The status of every cluster of the snapshot, with the live state of those that have served traffic. */
export function clusterStatuses(clusters: Iterable<Cluster>, states: ClusterStates): ClusterStatus[] {
  const out: ClusterStatus[] = [];
  for (const cluster of clusters) {
    const state = states.byName(cluster.name);
    const t = state?.breaker.thresholds;
    const c = state?.counters;
    out.push({
      name: cluster.name,
      limits: t
        ? {
          max_connections: t.connections,
          max_pending_requests: t.pendingRequests,
          max_requests: t.requests,
          max_retries: t.retries,
        }
        : {},
      counters: c ? { rq_total: c.rqTotal, rq_error: c.rqByClass[5], rq_retry: c.rqRetry } : {},
      hosts: cluster.endpoints.map((e) => hostStatus(e, state)),
    });
  }
  return out;
}

/** The text form: `cluster::host::stat::value` lines, as Envoy's `/clusters`. */
export function clustersText(statuses: readonly ClusterStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    for (const [limit, value] of Object.entries(s.limits)) {
      lines.push(`${s.name}::default_priority::${limit}::${value}`);
    }
    for (const h of s.hosts) {
      const host = `${s.name}::${h.address.includes(":") ? `[${h.address}]` : h.address}:${h.port}`;
      lines.push(`${host}::rq_active::${h.rqActive}`);
      lines.push(`${host}::health_flags::${h.failedOutlierCheck ? "/failed_outlier_check" : "healthy"}`);
      lines.push(`${host}::weight::${h.weight}`);
      const [region = "", zone = "", subzone = ""] = (h.locality ?? "").split("/");
      lines.push(`${host}::region::${region}`, `${host}::zone::${zone}`, `${host}::sub_zone::${subzone}`);
    }
    if (s.hosts.length === 0) lines.push(`${s.name}::no_endpoints`);
  }
  return lines.join("\n") + "\n";
}

/** The JSON form, shaped like Envoy's `{cluster_statuses: [...]}`. */
export function clustersJson(statuses: readonly ClusterStatus[]): unknown {
  return {
    cluster_statuses: statuses.map((s) => ({
      name: s.name,
      circuit_breakers: s.limits,
      stats: s.counters,
      host_statuses: s.hosts.map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        health_status: {
          eds_health_status: "HEALTHY",
          ...(h.failedOutlierCheck ? { failed_outlier_check: true } : {}),
        },
        weight: h.weight,
        locality: h.locality ?? "",
        stats: { rq_active: h.rqActive },
      })),
    })),
  };
}
