/**
 * Envoy-style statistics from the live cluster states and listeners: `cluster.<name>.<stat>` and
 * `http.<stat_prefix>.downstream_rq_*` values for the admin `/stats` page (as `pilot-agent request GET stats`
 * shows them, e.g. `upstream_rq_pending_overflow` in Istio's circuit-breaking task) and the same values in
 * Envoy's Prometheus naming for the admin `/stats/prometheus`.
 * @module
 */
import type { ClusterState, ClusterStates } from "../proxy/cluster_state.ts";
import type { DownstreamCounters } from "../proxy/downstream_counters.ts";
import { mirrorStats } from "../policy/mirror.ts";

/** What the statistics are read from. */
export interface StatsSources {
  readonly clusters: ClusterStates;
  /** Listener request counters by stat prefix. */
  readonly downstream: ReadonlyMap<string, DownstreamCounters>;
}

/** One statistic: its Envoy name parts and value. */
export interface ClusterStat {
  readonly cluster: string;
  /** The stat name after `cluster.<name>.`, e.g. `upstream_rq_pending_overflow`. */
  readonly stat: string;
  readonly value: number;
  readonly kind: "counter" | "gauge";
}

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/** The statistics of one cluster. */
function statsOf(name: string, state: ClusterState): ClusterStat[] {
  const c = state.counters;
  const counter = (stat: string, value: number): ClusterStat => ({
    cluster: name,
    stat,
    value,
    kind: "counter",
  });
  const gauge = (stat: string, value: number): ClusterStat => ({ cluster: name, stat, value, kind: "gauge" });
  const out: ClusterStat[] = [
    counter("upstream_rq_total", c.rqTotal),
    counter("upstream_rq_completed", c.rqCompleted),
    ...CLASSES.map((cls, i) => counter(`upstream_rq_${cls}`, c.rqByClass[i + 1])),
    counter("upstream_rq_retry", c.rqRetry),
    counter("upstream_rq_retry_success", c.rqRetrySuccess),
    counter("upstream_rq_retry_limit_exceeded", c.rqRetryLimitExceeded),
    counter("upstream_rq_timeout", c.rqTimeout),
    counter("upstream_rq_per_try_timeout", c.rqPerTryTimeout),
    counter("upstream_rq_rx_reset", c.rqRxReset),
    counter("upstream_rq_tx_reset", c.rqTxReset),
    counter("upstream_cx_connect_fail", c.cxConnectFail),
    counter("upstream_cx_overflow", state.breaker.stats.cxOverflow),
    counter("upstream_rq_pending_overflow", state.breaker.stats.rqPendingOverflow),
    counter("upstream_rq_retry_overflow", state.breaker.stats.retryOverflow),
    gauge("upstream_rq_active", state.requestsActive),
    gauge("upstream_rq_pending_active", state.requestsPending),
  ];
  const o = state.outlier?.ejections;
  if (o) {
    out.push(gauge("outlier_detection.ejections_active", o.ejectionsActive));
    out.push(counter("outlier_detection.ejections_enforced_total", o.ejectionsEnforcedTotal));
    out.push(counter("outlier_detection.ejections_overflow", o.ejectionsOverflow));
    for (const [type, n] of Object.entries(o.ejectionsEnforced)) {
      out.push(counter(`outlier_detection.ejections_enforced_${type}`, n));
    }
    for (const [type, n] of Object.entries(o.ejectionsDetected)) {
      out.push(counter(`outlier_detection.ejections_detected_${type}`, n));
    }
  }
  return out;
}

/** Every cluster's statistics, clusters in name order. */
function clusterStats(clusters: ClusterStates): ClusterStat[] {
  const entries = [...clusters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.flatMap(([name, state]) => statsOf(name, state));
}

/**
 * The admin `/stats` text: `name: value` lines sorted by name, as Envoy prints them; `filter` (a regular
 * expression, Envoy's `?filter=`) keeps the matching names, `usedOnly` drops zero values.
 */
export function statsText(sources: StatsSources, filter?: RegExp, usedOnly = false): string {
  const lines: [string, number][] = clusterStats(sources.clusters).map((
    s,
  ) => [`cluster.${s.cluster}.${s.stat}`, s.value]);
  for (const [prefix, c] of sources.downstream) {
    lines.push([`http.${prefix}.downstream_rq_total`, c.rqTotal], [
      `http.${prefix}.downstream_rq_active`,
      c.rqActive,
    ]);
    for (const [i, cls] of CLASSES.entries()) {
      lines.push([`http.${prefix}.downstream_rq_${cls}`, c.rqByClass[i + 1]]);
    }
  }
  lines.push(
    ["portcullis.mirror.requests_started", mirrorStats.started],
    ["portcullis.mirror.requests_succeeded", mirrorStats.succeeded],
    ["portcullis.mirror.requests_failed", mirrorStats.failed],
    ["portcullis.mirror.requests_dropped", mirrorStats.dropped],
  );
  return lines
    .filter(([name, value]) => (!filter || filter.test(name)) && (!usedOnly || value !== 0))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}: ${value}\n`)
    .join("");
}

function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The statistics in Envoy's Prometheus naming: `envoy_cluster_<stat>{cluster_name="..."}` (dots in the stat
 * become underscores), response classes as `envoy_cluster_upstream_rq{response_code_class="2xx"}`;
 * `envoy_http_downstream_rq_*{envoy_http_conn_manager_prefix="..."}` per listener.
 */
export function statsPrometheus(sources: StatsSources): string {
  const families = new Map<string, { kind: string; samples: string[] }>();
  const add = (family: string, kind: string, labels: string, value: number) => {
    let f = families.get(family);
    if (!f) families.set(family, f = { kind, samples: [] });
    f.samples.push(`${family}{${labels}} ${value}`);
  };
  for (const [prefix, c] of sources.downstream) {
    const hcm = `envoy_http_conn_manager_prefix="${labelValue(prefix)}"`;
    add("envoy_http_downstream_rq_total", "counter", hcm, c.rqTotal);
    add("envoy_http_downstream_rq_active", "gauge", hcm, c.rqActive);
    for (const [i, cls] of CLASSES.entries()) {
      add(
        "envoy_http_downstream_rq_xx",
        "counter",
        `envoy_response_code_class="${cls[0]}",${hcm}`,
        c.rqByClass[i + 1],
      );
    }
  }
  for (const s of clusterStats(sources.clusters)) {
    const cluster = `cluster_name="${labelValue(s.cluster)}"`;
    const cls = /^upstream_rq_([1-5]xx)$/.exec(s.stat);
    if (cls) {
      add("envoy_cluster_upstream_rq", "counter", `response_code_class="${cls[1]}",${cluster}`, s.value);
    } else add(`envoy_cluster_${s.stat.replace(/\./g, "_")}`, s.kind, cluster, s.value);
  }
  add("portcullis_mirror_requests_total", "counter", 'result="started"', mirrorStats.started);
  add("portcullis_mirror_requests_total", "counter", 'result="ok"', mirrorStats.succeeded);
  add("portcullis_mirror_requests_total", "counter", 'result="failed"', mirrorStats.failed);
  add("portcullis_mirror_requests_total", "counter", 'result="dropped"', mirrorStats.dropped);
  let text = "";
  for (const [family, { kind, samples }] of families) {
    text += `# TYPE ${family} ${kind}\n${samples.join("\n")}\n`;
  }
  return text;
}
