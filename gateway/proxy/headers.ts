/**
 * Header handling at the gateway edge, as Istio configures Envoy's connection manager for gateways: hop-by-hop
 * removal, `X-Forwarded-*`, `X-Request-Id`, and sanitizing of `x-envoy-*` control headers from outside.
 * @module
 */
import type { ClientAddresses } from "./client_address.ts";

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not forward, plus the legacy `proxy-connection` and
 * `keep-alive` that HTTP/1.0-era clients send.
 */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * A mutable copy of `headers`, the same as `new Headers(headers)` (names lowercased, values of a repeated name
 * combined, `set-cookie` lines kept apart) at a fraction of the cost: Deno's `Response` constructor copies a
 * `Headers` init directly, while the `Headers` constructor walks it through the WebIDL sequence conversion.
 */
export function copyHeaders(headers: Headers): Headers {
  return new Response(null, { headers }).headers;
}

// What `scanHeaders` found (synchronous, so one set of module variables serves all calls).
let sawHopByHop = false;
let sawEnvoy = false;
let sawForwardedProto = false;
let sawRequestId = false;

function scanHeader(_value: string, name: string): void {
  if (HOP_BY_HOP.has(name)) sawHopByHop = true;
  else if (name.startsWith("x-")) {
    if (name.startsWith("x-envoy-")) sawEnvoy = true;
    else if (name === "x-forwarded-proto") sawForwardedProto = true;
    else if (name === "x-request-id") sawRequestId = true;
  }
}

/** One pass over `headers` noting the names the edge rules look for (cheaper than a lookup per name). */
function scanHeaders(headers: Headers): void {
  sawHopByHop =
    sawEnvoy =
    sawForwardedProto =
    sawRequestId =
      false;
  headers.forEach(scanHeader);
}

/** Removes hop-by-hop headers, including any named by `Connection`. */
export function stripHopByHop(headers: Headers): void {
  scanHeaders(headers);
  if (sawHopByHop) deleteHopByHop(headers);
}

/** Removes the hop-by-hop headers of `headers`, which holds at least one (`Connection` may name others). */
function deleteHopByHop(headers: Headers): void {
  const connection = headers.get("connection");
  if (connection) {
    for (const name of connection.split(",")) headers.delete(name.trim());
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
}

/** Removes the `x-envoy-*` control headers an external client must not be able to set. */
export function stripEnvoyHeaders(headers: Headers): void {
  const doomed: string[] = [];
  headers.forEach((_, name) => {
    if (name.startsWith("x-envoy-")) doomed.push(name);
  });
  for (const name of doomed) headers.delete(name);
}

/** What the edge header rules need to know about the downstream request. */
export interface EdgeContext {
  readonly addresses: ClientAddresses;
  /** `http` or `https`, from the downstream connection. */
  readonly scheme: string;
  /** Whether proxies in front are trusted (`numTrustedProxies` > 0): then their X-Forwarded-Proto is kept. */
  readonly trustProxies: boolean;
}

/**
 * Turns the downstream request headers into the upstream request headers (in place): hop-by-hop removed,
 * X-Forwarded-For appended, X-Forwarded-Proto set, X-Request-Id generated when absent, and for external
 * requests `x-envoy-*` stripped and `x-envoy-external-address` set to the client address.
 */
export function applyEdgeRequestHeaders(headers: Headers, ctx: EdgeContext): void {
  scanHeaders(headers);
  if (sawHopByHop) {
    deleteHopByHop(headers);
    scanHeaders(headers); // `Connection` may have named any header
  }
  if (!ctx.addresses.internal) {
    if (sawEnvoy) stripEnvoyHeaders(headers);
    headers.set("x-envoy-external-address", ctx.addresses.client);
  }
  headers.set("x-forwarded-for", ctx.addresses.forwardedFor);
  if (!ctx.trustProxies || !sawForwardedProto) headers.set("x-forwarded-proto", ctx.scheme);
  if (!sawRequestId) headers.set("x-request-id", crypto.randomUUID());
}
