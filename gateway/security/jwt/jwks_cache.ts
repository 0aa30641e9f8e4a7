/**
 * JWKS documents fetched from `jwksUri`, shared across snapshots and kept per URI, as istiod keeps them: fetched
 * when first needed, refreshed in the background every 20 minutes (`PILOT_JWT_PUB_KEY_REFRESH_INTERVAL`), the
 * last good keys kept when a refresh fails, and, when no fetch ever succeeded, a fake key standing in (istiod
 * inlines one) so every token fails verification.
 * @module
 */
import { KeySet } from "./key_set.ts";

/** Istio's `PILOT_JWT_PUB_KEY_REFRESH_INTERVAL` default. */
export const DEFAULT_REFRESH_MS = 20 * 60_000;

/** The key istiod inlines when it cannot fetch a JWKS: an RSA key no signature verifies with. */
export const FAKE_KEYS = new KeySet([{ kty: "RSA", e: "AQAB", n: "Error-IstiodFailedToFetchJwksUri" }]);

const FIRST_RETRY_MS = 1000;

interface Entry {
  keys?: KeySet;
  fetchedAt: number;
  retryAt: number;
  failures: number;
  pending?: Promise<KeySet>;
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

/** Remote JWKS per URI. */
export class JwksCache {
  readonly #entries = new Map<string, Entry>();
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
    let entry = this.#entries.get(uri);
    if (!entry) {
      entry = { fetchedAt: 0, retryAt: 0, failures: 0 };
      this.#entries.set(uri, entry);
    }
    const now = this.#now();
    const due = entry.keys === undefined ? now >= entry.retryAt : now - entry.fetchedAt >= this.#refreshMs &&
      now >= entry.retryAt;
    if (due && !entry.pending) entry.pending = this.#load(uri, entry, timeoutMs);
    if (entry.keys) return entry.keys;
    return entry.pending ?? FAKE_KEYS;
  }

  async #load(uri: string, entry: Entry, timeoutMs: number): Promise<KeySet> {
    try {
      const res = await this.#fetch(uri, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) throw new Error(`status ${res.status}`);
      const keys = KeySet.parse(text);
      if (keys.size === 0) throw new Error("no keys");
      entry.keys = keys;
      entry.fetchedAt = this.#now();
      entry.failures = 0;
      return keys;
    } catch {
      entry.failures++;
      entry.retryAt = this.#now() + Math.min(FIRST_RETRY_MS * 2 ** (entry.failures - 1), this.#refreshMs);
      return entry.keys ?? FAKE_KEYS;
    } finally {
      entry.pending = undefined;
    }
  }
}
