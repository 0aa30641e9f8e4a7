/**
 * Who the client is, as Envoy decides at an Istio gateway (`use_remote_address: true`,
 * `xff_num_trusted_hops = gatewayTopology.numTrustedProxies`): the peer address, or an address taken from
 * `X-Forwarded-For` when trusted proxies sit in front.
 * @module
 */

/** The addresses of one request, after X-Forwarded-For processing. */
export interface ClientAddresses {
  /** The client address policy and logs should use (`remote.ip` in Istio terms). */
  readonly client: string;
  /** The value to send upstream in X-Forwarded-For: the incoming value with `,` and the peer appended. */
  readonly forwardedFor: string;
  /** True when the request came from inside the network: an internal peer and no X-Forwarded-For at all. */
  readonly internal: boolean;
}

/**
 * Resolves the client address: with `trustedHops` = 0 it is the peer; with N > 0 it is the Nth address from
 * the right of the incoming X-Forwarded-For (the peer when the list is shorter). The peer is appended to the
 * incoming value as Envoy appends it (`,` with no space; repeated fields were joined with `,` first).
 * @example clientAddresses("10.0.0.9", "203.0.113.7, 10.0.0.5", 1).client // "10.0.0.5"
 */
export function clientAddresses(peer: string, xff: string | null, trustedHops: number): ClientAddresses {
  let client = peer;
  if (trustedHops > 0 && xff) {
    const list = xff.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (list.length >= trustedHops) client = list[list.length - trustedHops];
  }
  return {
    client,
    forwardedFor: xff ? `${xff},${peer}` : peer,
    internal: xff === null && isInternalPeer(peer),
  };
}

// The last peer checked: requests on one connection, or from one client, come from the same address.
let lastPeer = "";
let lastPeerInternal = false;

function isInternalPeer(peer: string): boolean {
  if (peer !== lastPeer) {
    lastPeerInternal = isInternalAddress(peer);
    lastPeer = peer;
  }
  return lastPeerInternal;
}

/** Loopback, RFC 1918, link-local and IPv6 unique-local addresses. */
export function isInternalAddress(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(v4);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 169 && b === 254);
  }
  const lower = ip.toLowerCase();
  return lower === "::1" || lower.startsWith("fc") || lower.startsWith("fd") || lower.startsWith("fe80:");
}
