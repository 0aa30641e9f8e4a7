/**
 * The tags Envoy sets on the spans of a request (`HttpTracerUtility::finalizeDownstreamSpan`,
 * `finalizeUpstreamSpan`, `setCommonTags`), from the request record.
 * @module
 */
import { addressHost } from "../address.ts";
import type { RequestRecord } from "../request_record.ts";
import type { CompiledTag, TagSource } from "./custom_tags.ts";

/** What the gateway's own span knows besides the record. */
export interface DownstreamFacts {
  readonly nodeId: string;
  readonly zone: string;
  /** The `x-request-id` the gateway sent (or would have sent) upstream. */
  readonly requestId: string | null;
  /** `scheme://host/path` of the request: `x-forwarded-proto`, the `:authority` sent upstream, the path. */
  readonly url: string;
  /** `x-envoy-downstream-service-cluster` of an internal request; `-` otherwise. */
  readonly downstreamCluster: string;
  readonly maxPathTagLength: number;
}

/** One upstream attempt's outcome. */
export interface AttemptFacts {
  readonly attempt: number;
  /** `ip:port`. */
  readonly upstreamAddress: string;
  /** The upstream response code; 0 when the attempt got none. */
  readonly status: number;
  /** Envoy's flags for how the attempt ended; `-` for none. */
  readonly flags: string;
}

/** `scheme://authority` + the path cut to `maxPathLength`, as Envoy's `http.url` tag. */
export function spanUrl(scheme: string, authority: string, path: string, maxPathLength: number): string {
  return `${scheme}://${authority}${path.length > maxPathLength ? path.slice(0, maxPathLength) : path}`;
}

/** The tags of the gateway's SERVER span, in Envoy's order. */
export function downstreamTags(
  rec: RequestRecord,
  facts: DownstreamFacts,
  custom: readonly CompiledTag[],
  source: TagSource,
): Map<string, string> {
  const tags = new Map<string, string>();
  tags.set("node_id", facts.nodeId);
  tags.set("zone", facts.zone);
  if (facts.requestId !== null) tags.set("guid:x-request-id", facts.requestId);
  tags.set("http.url", facts.url);
  tags.set("http.method", rec.method);
  tags.set("downstream_cluster", facts.downstreamCluster);
  tags.set("user_agent", rec.requestHeaders.get("user-agent") ?? "-");
  tags.set("http.protocol", rec.protocol);
  tags.set("peer.address", addressHost(rec.downstreamRemoteAddress));
  const clientTraceId = rec.requestHeaders.get("x-client-trace-id");
  if (clientTraceId !== null) tags.set("guid:x-client-trace-id", clientTraceId);
  tags.set("request_size", String(rec.requestBytes));
  tags.set("response_size", String(rec.responseBytes));
  commonTags(tags, rec.upstreamCluster, rec.responseCode, rec.responseFlags, custom, source);
  return tags;
}

/** The tags of an upstream attempt's CLIENT span. */
export function upstreamTags(
  rec: RequestRecord,
  attempt: AttemptFacts,
  custom: readonly CompiledTag[],
  source: TagSource,
): Map<string, string> {
  const tags = new Map<string, string>();
  if (attempt.attempt > 1) tags.set("retry.count", String(attempt.attempt - 1));
  tags.set("http.protocol", rec.protocol);
  tags.set("upstream_address", attempt.upstreamAddress);
  commonTags(tags, rec.upstreamCluster, attempt.status, attempt.flags, custom, source);
  return tags;
}

function commonTags(
  tags: Map<string, string>,
  cluster: string | undefined,
  status: number,
  flags: string,
  custom: readonly CompiledTag[],
  source: TagSource,
): void {
  tags.set("component", "proxy");
  if (cluster !== undefined) {
    tags.set("upstream_cluster", cluster);
    tags.set("upstream_cluster.name", cluster);
  }
  tags.set("http.status_code", String(status));
  tags.set("response_flags", flags || "-");
  if (status === 0 || status >= 500) tags.set("error", "true");
  for (const tag of custom) {
    const value = tag.value(source);
    if (value !== "") tags.set(tag.name, value);
  }
}
