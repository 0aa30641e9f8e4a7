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

const ENCODER = new TextEncoder();

/** Base64url without padding of text or bytes. */
export function b64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * A token with the exact header and payload texts given (repeated keys and all), signed by `key` with its
 * algorithm (RS256: PKCS#1 v1.5, ES256: ECDSA P-256, both SHA-256).
 */
export async function signRaw(key: TestKey, header: string, payload: string): Promise<string> {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const params = key.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  const sig = await crypto.subtle.sign(params, key.privateKey, ENCODER.encode(input));
  return `${input}.${b64url(new Uint8Array(sig))}`;
}

/** A token with the given header and payload texts, HMAC-SHA256-signed with `secret` (HS256). */
export async function signHs256(
  secret: Uint8Array<ArrayBuffer>,
  header: string,
  payload: string,
): Promise<string> {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const hmac = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sig = await crypto.subtle.sign("HMAC", hmac, ENCODER.encode(input));
  return `${input}.${b64url(new Uint8Array(sig))}`;
}

/** The RSA public key of `key` as PEM (SPKI), the text a key-confusion attacker uses as an HMAC secret. */
export async function publicKeyPem(key: TestKey): Promise<string> {
  const pub = await crypto.subtle.importKey(
    "jwk",
    { ...key.jwk, alg: undefined, kid: undefined } as JsonWebKey,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    true,
    ["verify"],
  );
  const der = new Uint8Array(await crypto.subtle.exportKey("spki", pub));
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const lines = btoa(bin).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}
