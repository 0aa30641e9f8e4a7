/**
 * Host lookup for a route table: exact domains in a map, wildcard domains by suffix, so the cost of a lookup
 * depends on the number of labels in the host, not on the number of hosts.
 * @module
 */
import { normalizeAuthority } from "../config/hosts.ts";
import type { RouteTable, VirtualHost } from "./types.ts";

/** Builds the lookup structure over virtual hosts (their domains are lower case). */
export function createRouteTable(name: string, virtualHosts: readonly VirtualHost[]): RouteTable {
  const exact = new Map<string, VirtualHost>();
  const wildcard = new Map<string, VirtualHost>(); // ".example.com" -> vhost of "*.example.com"
  let catchAll: VirtualHost | undefined;
  for (const vh of virtualHosts) {
    for (const domain of vh.domains) {
      if (domain === "*") catchAll ??= vh;
      else if (domain.startsWith("*.")) {
        if (!wildcard.has(domain.slice(1))) wildcard.set(domain.slice(1), vh);
      } else if (!exact.has(domain)) exact.set(domain, vh);
    }
  }
  const hasWildcards = wildcard.size > 0;
  return {
    name,
    virtualHosts,
    lookup(authority: string): VirtualHost | undefined {
      const host = normalizeAuthority(authority);
      const hit = exact.get(host);
      if (hit) return hit;
      if (hasWildcards) {
        // Longest suffix first: for a.b.example.com try .b.example.com, then .example.com, then .com.
        for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
          const vh = wildcard.get(host.slice(dot));
          if (vh) return vh;
        }
      }
      return catchAll;
    },
  };
}
