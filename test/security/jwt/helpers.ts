/**
 * Test keys and tokens for the JWT tests: RS256 and ES256 key pairs made with `jose`.
 * @module
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** A signing key with its public JWK. */
export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: Record<string, unknown>;
}

/** A fresh key pair for `alg`, its public JWK carrying `kid`. */
export async function testKey(alg: "RS256" | "ES256", kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

/** A JWKS document of the keys' public halves. */
export function jwksOf(...keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.jwk) });
}

/** A token signed by `key` with `claims` (exp one hour ahead unless given). */
export function signToken(
  key: TestKey,
  claims: JWTPayload,
  kid: string | undefined = key.kid,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ exp: now + 3600, iat: now, ...claims })
    .setProtectedHeader({ alg: key.alg, ...(kid !== undefined ? { kid } : {}) })
    .sign(key.privateKey);
}
