/**
 * Zipkin v2 JSON encoding of spans (the `/api/v2/spans` body Envoy's Zipkin tracer sends): microsecond times,
 * `kind` SERVER or CLIENT, tags as a string map, the gateway's service cluster as the local endpoint.
 * @module
 */
import type { FinishedSpan } from "./span.ts";

/** The JSON body of one export request. */
export function encodeZipkinJson(spans: readonly FinishedSpan[], serviceName: string): string {
  return JSON.stringify(spans.map((s) => {
    const timestamp = Math.round(s.startMs * 1000);
    return {
      traceId: s.traceId,
      ...(s.parentSpanId !== undefined ? { parentId: s.parentSpanId } : {}),
      id: s.spanId,
      kind: s.kind === "server" ? "SERVER" : "CLIENT",
      name: s.name,
      timestamp,
      duration: Math.max(1, Math.round(s.endMs * 1000) - timestamp),
      localEndpoint: { serviceName },
      tags: Object.fromEntries(s.tags),
    };
  }));
}
