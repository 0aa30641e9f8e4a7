// The client's IP address: the downstream peer (`source.address`), or an entry of X-Forwarded-For when
// proxies in front of the gateway are trusted (Envoy's `xff_num_trusted_hops`).
import { getPropertyString } from "./properties";
import { request } from "./stream_control";

/** An address without its port: `"10.0.0.1:5000"` → `"10.0.0.1"`, `"[::1]:5000"` → `"::1"`. */
export function stripPort(address: string): string {
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    return end < 0 ? address : address.substring(1, end);
  }
  const colon = address.lastIndexOf(":");
  if (colon < 0 || address.indexOf(":") != colon) return address;
  return address.substring(0, colon);
}

/**
 * The client's IP address. With `trustedHops` 0, the peer's; with N > 0, the X-Forwarded-For entry N places
 * left of the last one (the host, as Envoy's connection manager, has appended the peer before any filter runs),
 * which is the address the nearest trusted proxy saw; the leftmost when the header is shorter.
 */
export function clientIp(trustedHops: i32 = 0): string {
  const source = getPropertyString("source.address");
  const peer = source === null ? "" : stripPort(source);
  if (trustedHops <= 0) return peer;
  const xff = request.headers.get("x-forwarded-for");
  if (xff === null) return peer;
  const hops = xff.split(",");
  const at = hops.length - 1 - trustedHops;
  return stripPort(hops[at < 0 ? 0 : at].trim());
}
