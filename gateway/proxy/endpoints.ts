/**
 * Choosing the endpoint of a cluster for a request: round robin over the cluster's endpoints, where a DNS
 * cluster's endpoints are the addresses its host names resolve to (STRICT_DNS), a DNS_ROUND_ROBIN cluster uses
 * the first address only (LOGICAL_DNS), and other clusters connect to endpoint addresses as written.
 * @module
 */
import type { Cluster, Endpoint } from "../compile/types.ts";
import type { DnsCache } from "./dns.ts";

/** An endpoint with the address to connect to. */
export interface Target {
  readonly endpoint: Endpoint;
  /** IP address (or host name, for clusters that resolve at connect time). */
  readonly address: string;
  readonly port: number;
}

/** Round-robin endpoint selection with DNS expansion. */
export class EndpointPicker {
  #dns: DnsCache;
  #cursors = new WeakMap<Cluster, number>();

  constructor(dns: DnsCache) {
    this.#dns = dns;
  }

  /** The next target of `cluster`; a promise only when a host name has not been resolved yet. */
  pick(cluster: Cluster): Target | undefined | Promise<Target | undefined> {
    if (cluster.endpoints.length === 0) return undefined;
    if (cluster.resolution !== "DNS" && cluster.resolution !== "DNS_ROUND_ROBIN") {
      const e = cluster.endpoints[this.#next(cluster, cluster.endpoints.length)];
      return { endpoint: e, address: e.address, port: e.port };
    }
    const expanded = this.#expand(cluster);
    if (expanded) return this.#choose(cluster, expanded);
    return Promise.all(cluster.endpoints.map((e) => this.#dns.resolve(e.address).catch(() => [] as string[])))
      .then(() => {
        const now = this.#expand(cluster);
        return now ? this.#choose(cluster, now) : undefined;
      });
  }

  #expand(cluster: Cluster): Target[] | undefined {
    const out: Target[] = [];
    for (const e of cluster.endpoints) {
      const addresses = this.#dns.peek(e.address);
      if (addresses === undefined) return undefined;
      const used = cluster.resolution === "DNS_ROUND_ROBIN" ? addresses.slice(0, 1) : addresses;
      for (const address of used) out.push({ endpoint: e, address, port: e.port });
    }
    return out;
  }

  #choose(cluster: Cluster, targets: Target[]): Target | undefined {
    return targets.length === 0 ? undefined : targets[this.#next(cluster, targets.length)];
  }

  #next(cluster: Cluster, n: number): number {
    const i = this.#cursors.get(cluster) ?? 0;
    this.#cursors.set(cluster, i + 1 >= n ? 0 : i + 1);
    return i % n;
  }
}
