/**
 * Resolving upstream host names, with a cache refreshed in the background: expired answers keep serving while
 * a new lookup runs, and a failed lookup keeps the last good answer (as Envoy's DNS clusters do).
 * @module
 */
import { lookup } from "node:dns/promises";

interface Entry {
  addresses: string[];
  expires: number;
  refreshing?: Promise<string[]>;
}

/** Options of a DnsCache. */
export interface DnsCacheOptions {
  /** How long an answer is used before it is looked up again. @default 60_000 (Istio's dnsRefreshRate) */
  readonly refreshMs?: number;
  /** The lookup, replaceable in tests. @default getaddrinfo through node:dns (honours /etc/hosts) */
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly now?: () => number;
}

/** How soon a failed lookup is tried again. */
const FAILURE_RETRY_MS = 5_000;

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** A cache of host name → addresses. */
export class DnsCache {
  #entries = new Map<string, Entry>();
  #refreshMs: number;
  #resolve: (host: string) => Promise<string[]>;
  #now: () => number;

  constructor(options: DnsCacheOptions = {}) {
    this.#refreshMs = options.refreshMs ?? 60_000;
    this.#resolve = options.resolve ??
      (async (host) => (await lookup(host, { all: true })).map((a) => a.address));
    this.#now = options.now ?? Date.now;
  }

  /** Addresses known now for `host` (IP literals resolve to themselves); undefined when never resolved. */
  peek(host: string): string[] | undefined {
    if (IP.test(host)) return [host];
    const entry = this.#entries.get(host);
    if (!entry) return undefined;
    if (entry.expires <= this.#now() && !entry.refreshing) void this.#refresh(host, entry).catch(() => {});
    return entry.addresses;
  }

  /** Addresses for `host`, looking it up when not cached; rejects when the first lookup fails. */
  async resolve(host: string): Promise<string[]> {
    const known = this.peek(host);
    if (known) return known;
    const entry = this.#entries.get(host);
    if (entry?.refreshing) return await entry.refreshing;
    const fresh: Entry = { addresses: [], expires: 0 };
    this.#entries.set(host, fresh);
    try {
      return await this.#refresh(host, fresh);
    } catch (e) {
      if (fresh.addresses.length === 0) this.#entries.delete(host);
      throw e;
    }
  }

  #refresh(host: string, entry: Entry): Promise<string[]> {
    entry.refreshing = this.#resolve(host).then((addresses) => {
      if (addresses.length > 0) entry.addresses = addresses;
      entry.expires = this.#now() + this.#refreshMs;
      return entry.addresses;
    }, (e) => {
      // Retry a failed lookup sooner than a successful one, but do not hammer the resolver on every request.
      entry.expires = this.#now() + Math.min(this.#refreshMs, FAILURE_RETRY_MS);
      throw e;
    }).finally(() => {
      entry.refreshing = undefined;
    });
    return entry.refreshing;
  }
}
