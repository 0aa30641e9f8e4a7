/**
 * Host names as Istio compares them: short-name resolution, wildcard matching, intersection of Gateway server
 * hosts with VirtualService hosts, and the `namespace/host` form of Gateway servers.
 * @module
 */

/** The DNS suffix of in-mesh services (`meshConfig.trustDomain` does not change it). */
export const CLUSTER_DOMAIN = "cluster.local";

/**
 * Resolves a short name in a namespace: `reviews` in `default` becomes `reviews.default.svc.cluster.local`;
 * names with a dot, and `*`, are kept. Host names compare case-insensitively, so the result is lower case.
 * @example resolveShortName("reviews", "default") // "reviews.default.svc.cluster.local"
 */
export function resolveShortName(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h === "*" || h.includes(".")) return h;
  return `${h}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** True when `pattern` (`*`, `*.example.com` or an exact name) matches the concrete or wildcard `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1); // ".example.com"
    if (host.startsWith("*.")) return host.slice(1).endsWith(suffix);
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern === host;
}

/**
 * The more specific of two host names when one covers the other, as Istio intersects Gateway server hosts with
 * VirtualService hosts; `undefined` when they do not overlap.
 * @example intersectHosts("*.example.com", "a.example.com") // "a.example.com"
 */
export function intersectHosts(a: string, b: string): string | undefined {
  if (hostMatches(a, b)) return b;
  if (hostMatches(b, a)) return a;
  return undefined;
}

/** A Gateway server host split into its namespace part and DNS name. */
export interface ServerHost {
  /** `*` any namespace, `.` the Gateway's own (already resolved here), `~` none, or a namespace name. */
  readonly namespace: string;
  readonly dnsName: string;
}

/** Parses `ns/host` (no prefix means `*\/host`); `.` is resolved to the Gateway's namespace. */
export function parseServerHost(host: string, gatewayNamespace: string): ServerHost {
  const slash = host.indexOf("/");
  if (slash < 0) return { namespace: "*", dnsName: host.toLowerCase() };
  const ns = host.slice(0, slash);
  return { namespace: ns === "." ? gatewayNamespace : ns, dnsName: host.slice(slash + 1).toLowerCase() };
}

/** The server hosts a VirtualService in `namespace` may bind to (`host.NamesForNamespace`). */
export function hostsForNamespace(hosts: readonly ServerHost[], namespace: string): string[] {
  return hosts.filter((h) => h.namespace === "*" || h.namespace === namespace).map((h) => h.dnsName);
}

/** Lower-cases a request authority and drops its port, as gateways ignore the port in host matching. */
export function normalizeAuthority(authority: string): string {
  let host = authority;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    host = end >= 0 ? host.slice(0, end + 1) : host;
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0 && host.indexOf(":") === colon) host = host.slice(0, colon);
  }
  return host.toLowerCase();
}
