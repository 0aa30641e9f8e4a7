/**
 * A JWKS ready for verification: keys picked for a token as jwt_verify_lib picks them (kid and alg must not
 * contradict the token's; the key type and curve must fit the algorithm), each imported with `jose` once per
 * algorithm and kept.
 * @module
 */
import { compactVerify, importJWK, type JWK } from "jose";
import { JwtFailure, JwtStatus } from "./status.ts";

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

/** The public keys of one JWKS. */
export class KeySet {
  readonly #keys: readonly JWK[];
  readonly #imported = new Map<string, Promise<VerifyKey | undefined>>();

  constructor(keys: readonly JWK[]) {
    this.#keys = keys;
  }

  /** Parses a JWKS document; keys that are not objects are skipped, a bad document gives an empty set. */
  static parse(text: string): KeySet {
    try {
      const doc = JSON.parse(text);
      const keys = Array.isArray(doc?.keys) ? doc.keys : [];
      return new KeySet(keys.filter((k: unknown) => k !== null && typeof k === "object") as JWK[]);
    } catch {
      return new KeySet([]);
    }
  }

  /** How many keys the set has. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Checks the token's signature as jwt_verify_lib does: every key whose `kid` and `alg` do not contradict the
   * token's is tried; throws "Jwks doesn't have key to match kid or alg from Jwt" when there is none and "Jwt
   * verification fails" when none of them verifies. A key of the wrong type for the algorithm (an RSA key for
   * an HS256 token: key confusion) counts as tried and never verifies.
   */
  async verify(token: string, alg: string, kid: string | undefined): Promise<void> {
    let matched = false;
    for (let i = 0; i < this.#keys.length; i++) {
      const jwk = this.#keys[i];
      if (kid && jwk.kid && jwk.kid !== kid) continue;
      if (jwk.alg && jwk.alg !== alg) continue;
      matched = true;
      if (!keyTypeFits(jwk, alg)) continue;
      const key = await this.#key(i, alg);
      if (key === undefined) continue;
      try {
        await compactVerify(token, key, { algorithms: [alg] });
        return;
      } catch {
        // Try the next key.
      }
    }
    throw new JwtFailure(matched ? JwtStatus.VerificationFail : JwtStatus.KidAlgMismatch);
  }

  #key(index: number, alg: string): Promise<VerifyKey | undefined> {
    const id = `${index}:${alg}`;
    let p = this.#imported.get(id);
    if (!p) {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = this.#keys[index];
      // A symmetric key's secret is its `k`; asymmetric keys are used by their public half only.
      const jwk = pub.kty === "oct" ? this.#keys[index] : pub;
      p = importJWK({ ...jwk, ext: true }, alg).catch(() => undefined);
      this.#imported.set(id, p);
    }
    return p;
  }
}

const CURVES: Record<string, string> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** Whether a key's type (and curve) can verify `alg` at all. */
function keyTypeFits(jwk: JWK, alg: string): boolean {
  if (alg.startsWith("RS") || alg.startsWith("PS")) return jwk.kty === "RSA";
  if (alg.startsWith("ES")) return jwk.kty === "EC" && (jwk.crv === undefined || jwk.crv === CURVES[alg]);
  if (alg.startsWith("HS")) return jwk.kty === "oct";
  if (alg === "EdDSA") return jwk.kty === "OKP" && jwk.crv === "Ed25519";
  return false;
}
