/**
 * Header handling at the gateway edge, as Istio configures Envoy's connection manager for gateways.
 * @module
 */

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

/** Removes hop-by-hop headers, including any named by `Connection`. */
export function stripHopByHop(headers: Headers): void {
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
