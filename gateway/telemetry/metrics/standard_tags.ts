/**
 * Istio's standard metric tags as a gateway reports them (istio/proxy `istio_stats`, the outbound
 * `reporter="source"` case): the gateway's own identity for `source_*`, the chosen cluster's service and the
 * endpoint's workload metadata for `destination_*`, `unknown` where Envoy has no data (no peer metadata
 * exchange and no mTLS to upstreams here).
 * @module
 */
import type { RequestRecord } from "../request_record.ts";
import { canonicalService, DEFAULT_CLUSTER_ID, type GatewayWorkload } from "../workload.ts";

/** The standard tags, in the order series are labelled. */
export const STANDARD_TAGS = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "source_principal",
  "source_app",
  "source_version",
  "source_canonical_service",
  "source_canonical_revision",
  "source_cluster",
  "destination_workload",
  "destination_workload_namespace",
  "destination_principal",
  "destination_app",
  "destination_version",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_canonical_service",
  "destination_canonical_revision",
  "destination_cluster",
  "request_protocol",
  "response_code",
  "grpc_response_status",
  "response_flags",
  "connection_security_policy",
] as const;

/** A standard tag name. */
export type StandardTag = (typeof STANDARD_TAGS)[number];

const UNKNOWN = "unknown";

/** Clusters whose name stands in for the destination service name. */
const SPECIAL_CLUSTERS = new Set([
  "BlackHoleCluster",
  "PassthroughCluster",
  "InboundPassthroughCluster",
  "InboundPassthroughClusterIpv4",
  "InboundPassthroughClusterIpv6",
]);

/** True for a gRPC request (`content-type: application/grpc`, `+proto`, `;...`), as Envoy detects it. */
export function isGrpc(rec: RequestRecord): boolean {
  const ct = rec.requestHeaders.get("content-type");
  if (ct === null || !ct.startsWith("application/grpc")) return false;
  return ct.length === 16 || ct[16] === "+" || ct[16] === ";";
}

/**
 * What the standard tags of a record depend on, as one string: the cache key of its label sets. Two records
 * with the same key get the same standard tag values.
 */
export function standardKey(rec: RequestRecord): string {
  const svc = rec.destinationService;
  const wl = rec.destinationWorkload;
  const grpc = isGrpc(rec);
  let key = `${rec.responseCode}|${rec.responseFlags}|${rec.upstreamCluster ?? ""}|${
    grpc ? `g${grpcStatus(rec)}` : ""
  }`;
  if (svc) key += `|${svc.host}|${svc.name}|${svc.namespace}`;
  if (wl) {
    const c = canonicalService(wl.labels ?? {}, wl.name);
    key += `|${wl.name}|${wl.namespace}|${c.service}|${c.revision}|${wl.cluster ?? ""}`;
  }
  return key;
}

/** The values of {@link STANDARD_TAGS} for a record. */
export function standardTagValues(rec: RequestRecord, workload: GatewayWorkload): string[] {
  const svc = rec.destinationService;
  const wl = rec.destinationWorkload;
  const canonical = wl ? canonicalService(wl.labels ?? {}, wl.name) : undefined;
  const special = rec.upstreamCluster !== undefined && SPECIAL_CLUSTERS.has(rec.upstreamCluster);
  // Gateways do not fall back to the Host header: the service comes from the cluster only.
  const serviceHost = special ? "" : svc?.host ?? "";
  const serviceName = special ? rec.upstreamCluster! : svc ? svc.name || svc.host.split(".")[0] : "";
  const grpc = isGrpc(rec);
  return [
    "source",
    workload.name,
    workload.namespace,
    UNKNOWN,
    workload.app,
    workload.version,
    workload.canonicalService,
    workload.canonicalRevision,
    workload.cluster,
    wl?.name || UNKNOWN,
    wl?.namespace || UNKNOWN,
    UNKNOWN,
    UNKNOWN,
    UNKNOWN,
    serviceHost || UNKNOWN,
    serviceName || UNKNOWN,
    wl?.namespace || UNKNOWN,
    canonical?.service || UNKNOWN,
    canonical?.revision || "latest",
    wl ? wl.cluster || DEFAULT_CLUSTER_ID : UNKNOWN,
    grpc ? "grpc" : "http",
    String(rec.responseCode),
    grpc ? grpcStatus(rec) : "",
    rec.responseFlags || "-",
    UNKNOWN,
  ];
}

/** The gRPC status: the response's, else Envoy's mapping of the HTTP status, else empty. */
function grpcStatus(rec: RequestRecord): string {
  if (rec.grpcStatus !== undefined && rec.grpcStatus !== "") return rec.grpcStatus;
  if (rec.responseCode === 0) return "";
  return String(httpToGrpcStatus(rec.responseCode));
}

/** Envoy's `Grpc::Utility::httpToGrpcStatus`. */
function httpToGrpcStatus(code: number): number {
  switch (code) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}
