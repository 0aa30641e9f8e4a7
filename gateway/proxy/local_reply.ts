/**
 * Replies the gateway makes itself (no route, no healthy upstream, timeouts ...), with Envoy's bodies.
 * @module
 */

import { noteBodyBytes } from "./stream_info.ts";

const ENCODER = new TextEncoder();

/** A locally generated reply, with `server: istio-envoy` and a text body when there is one. */
export function localReply(status: number, body = "", headers: Record<string, string> = {}): Response {
  const h = new Headers(headers);
  h.set("server", "istio-envoy");
  if (body !== "") h.set("content-type", "text/plain");
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  const bytes = noBody ? null : ENCODER.encode(body);
  return noteBodyBytes(new Response(bytes, { status, headers: h }), bytes?.length ?? 0);
}

/** Envoy's 503 when a cluster has no endpoint to send to (flag UH). */
export function noHealthyUpstream(): Response {
  return localReply(503, "no healthy upstream");
}

/** Envoy's body for a failure before the upstream's response headers, by reset reason (and whether retried). */
export function upstreamResetBody(reason: string, retried = false): string {
  const words = reason === "connection_failure" ? "connection failure" : reason.replaceAll("_", " ");
  const lead = retried ? "retried and the latest reset reason" : "reset reason";
  return `upstream connect error or disconnect/reset before headers. ${lead}: ${words}`;
}
