/**
 * JWKS documents fetched from `jwksUri`, shared across snapshots and kept per URI, as istiod keeps them: fetched
 * when first needed, refreshed in the background every 20 minutes (`PILOT_JWT_PUB_KEY_REFRESH_INTERVAL`), the
 * last good keys kept when a refresh fails, and, when no fetch ever succeeded, a fake key standing in (istiod
 * inlines one) so every token fails verification. JWKS URIs found by OpenID discovery (for rules with only an
 * issuer) are kept and refreshed the same way.
 * @module
 */
import { KeySet } from "./key_set.ts";
import { fetchJwksUri } from "./oidc_discovery.ts";

/** Istio's `PILOT_JWT_PUB_KEY_REFRESH_INTERVAL` default. */
const DEFAULT_REFRESH_MS = 20 * 60_000;

/** The key istiod inlines when it cannot fetch a JWKS: an RSA key no signature verifies with. */
export const FAKE_KEYS = new KeySet([{ kty: "RSA", e: "AQAB", n: "Error-IstiodFailedToFetchJwksUri" }]);

const FIRST_RETRY_MS = 1000;

/** One remote value: the last good one, when it was fetched, and the retry schedule after failures. */
interface Entry<T> {
  value?: T;
  fetchedAt: number;
  retryAt: number;
  failures: number;
  pending?: Promise<T | undefined>;
}

/** Options of a {@link JwksCache}. */
export interface JwksCacheOptions {
  /** How often keys are fetched again. @default DEFAULT_REFRESH_MS */
  readonly refreshMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** Remote JWKS per URI, and discovered JWKS URIs per issuer. */
export class JwksCache {
  readonly #keys = new Map<string, Entry<KeySet>>();
  readonly #uris = new Map<string, Entry<string>>();
  readonly #refreshMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: JwksCacheOptions = {}) {
    this.#refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
  }

  /** The keys of `uri`: the cached ones (refreshed in the background when due), or the first fetch's. */
  keys(uri: string, timeoutMs: number): KeySet | Promise<KeySet> {
    const keys = this.#get(this.#keys, uri, () => this.#loadKeys(uri, timeoutMs));
    return keys instanceof Promise ? keys.then((k) => k ?? FAKE_KEYS) : keys ?? FAKE_KEYS;
  }

  /** The JWKS URI of `issuer`'s OpenID discovery document; undefined when discovery never succeeded. */
  discoveredJwksUri(issuer: string, timeoutMs: number): string | undefined | Promise<string | undefined> {
    return this.#get(this.#uris, issuer, () => fetchJwksUri(this.#fetch, issuer, timeoutMs));
  }

  async #loadKeys(uri: string, timeoutMs: number): Promise<KeySet> {
    const res = await this.#fetch(uri, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw new Error(`status ${res.status}`);
    const keys = KeySet.parse(text);
    if (keys.size === 0) throw new Error("no keys");
    return keys;
  }

  /** The cached value of `key`, a load started when it is due (background when a value is cached). */
  #get<T>(
    entries: Map<string, Entry<T>>,
    key: string,
    load: () => Promise<T>,
  ): T | undefined | Promise<T | undefined> {
    let entry = entries.get(key);
    if (!entry) {
      entry = { fetchedAt: 0, retryAt: 0, failures: 0 };
      entries.set(key, entry);
    }
    const now = this.#now();
    const due = now >= entry.retryAt &&
      (entry.value === undefined || now - entry.fetchedAt >= this.#refreshMs);
    if (due && !entry.pending) entry.pending = this.#refresh(entry, load);
    if (entry.value !== undefined) return entry.value;
    return entry.pending;
  }

  async #refresh<T>(entry: Entry<T>, load: () => Promise<T>): Promise<T | undefined> {
    try {
      entry.value = await load();
      entry.fetchedAt = this.#now();
      entry.failures = 0;
    } catch {
      entry.failures++;
      entry.retryAt = this.#now() + Math.min(FIRST_RETRY_MS * 2 ** (entry.failures - 1), this.#refreshMs);
    } finally {
      entry.pending = undefined;
    }
    return entry.value;
  }
}
