/**
 * Tokens that verified recently, so that a client sending the same token again skips the signature check (with
 * Deno's RSA and ECDSA that check costs hundreds of µs, see `bench/jwt.ts`). Like Envoy's `jwt_cache`, only
 * verified tokens are kept, a hit is checked again for `exp`/`nbf`, and the least recently used entry goes
 * when the cache is full. An entry also remembers the key set that verified it: once the keys are refreshed,
 * the token is verified again.
 * @module
 */

/** Least-recently-used entries by token, at most `capacity` of them. */
export class VerifiedTokens<T> {
  readonly #entries = new Map<string, T>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The entry of `token`, now the most recently used; undefined when there is none. */
  get(token: string): T | undefined {
    const entry = this.#entries.get(token);
    if (entry !== undefined) {
      this.#entries.delete(token);
      this.#entries.set(token, entry);
    }
    return entry;
  }

  /** Keeps `entry` for `token`, dropping the least recently used entry when full. */
  set(token: string, entry: T): void {
    if (this.#capacity <= 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Forgets `token`. */
  delete(token: string): void {
    this.#entries.delete(token);
  }

  /** How many tokens are kept. */
  get size(): number {
    return this.#entries.size;
  }
}
