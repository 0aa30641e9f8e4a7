/**
 * The endpoints a request can go to: a DNS cluster's endpoints are the addresses its host names resolve to
 * (STRICT_DNS), a DNS_ROUND_ROBIN cluster uses the first address only (LOGICAL_DNS), and other clusters use
 * their endpoints as written. Expanded lists keep their identity while the DNS answers stay the same, so load
 * balancers and outlier detection can key on them.
 * @module
 */
import type { Cluster, Endpoint } from "../compile/types.ts";
import type { DnsCache } from "./dns.ts";

/** Resolves clusters to the endpoints to connect to. */
export class EndpointResolver {
  #dns: DnsCache;
  #expanded = new WeakMap<Cluster, { key: string; endpoints: readonly Endpoint[] }>();

  constructor(dns: DnsCache) {
    this.#dns = dns;
  }

  /** The endpoints of `cluster`; a promise only when a host name has not been resolved yet. */
  resolve(cluster: Cluster): readonly Endpoint[] | Promise<readonly Endpoint[]> {
    if (cluster.resolution !== "DNS" && cluster.resolution !== "DNS_ROUND_ROBIN") return cluster.endpoints;
    const now = this.#expand(cluster);
    if (now) return now;
    return Promise.all(cluster.endpoints.map((e) => this.#dns.resolve(e.address).catch(() => [] as string[])))
      .then(() => this.#expand(cluster) ?? []);
  }

  #expand(cluster: Cluster): readonly Endpoint[] | undefined {
    const answers: string[][] = [];
    for (const e of cluster.endpoints) {
      const addresses = this.#dns.peek(e.address);
      if (addresses === undefined) return undefined;
      answers.push(cluster.resolution === "DNS_ROUND_ROBIN" ? addresses.slice(0, 1) : addresses);
    }
    const key = answers.map((a) => a.join(",")).join(";");
    const cached = this.#expanded.get(cluster);
    if (cached?.key === key) return cached.endpoints;
    const endpoints = cluster.endpoints.flatMap((e, i) => answers[i].map((address) => ({ ...e, address })));
    this.#expanded.set(cluster, { key, endpoints });
    return endpoints;
  }
}
