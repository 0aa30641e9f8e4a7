/**
 * Reading a compact JWT as jwt_verify_lib does, with its status for each kind of malformed token, and the
 * time and audience checks Envoy makes before the signature (60 seconds of clock skew).
 * @module
 */
import { JwtFailure, JwtStatus, type JwtStatusText } from "./status.ts";

/** A token's decoded parts. */
export interface ParsedJwt {
  readonly alg: string;
  readonly kid?: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The payload segment as received (base64url), which `outputPayloadToHeader` forwards. */
  readonly payloadSegment: string;
  readonly issuer: string;
}

/** The algorithms jwt_verify_lib implements. */
const ALGORITHMS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "HS256",
  "HS384",
  "HS512",
  "EdDSA",
]);

/** Envoy's allowed clock skew, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const DECODER = new TextDecoder("utf-8", { fatal: true });

/** Decodes a token's header and payload; throws {@link JwtFailure} with jwt_verify_lib's reason. */
export function parseJwt(token: string): ParsedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtFailure(JwtStatus.BadFormat);
  const header = decodeJson(parts[0], JwtStatus.HeaderBadBase64, JwtStatus.HeaderBadJson);
  if (typeof header.alg !== "string") throw new JwtFailure(JwtStatus.HeaderBadAlg);
  if (!ALGORITHMS.has(header.alg)) throw new JwtFailure(JwtStatus.HeaderNotImplementedAlg);
  if (header.kid !== undefined && typeof header.kid !== "string") {
    throw new JwtFailure(JwtStatus.HeaderBadKid);
  }
  const claims = decodeJson(parts[1], JwtStatus.PayloadBadBase64, JwtStatus.PayloadBadJson);
  if (claims.iss !== undefined && typeof claims.iss !== "string") {
    throw new JwtFailure(JwtStatus.IssNotString);
  }
  if (!BASE64URL.test(parts[2])) throw new JwtFailure(JwtStatus.SignatureBadBase64);
  return {
    alg: header.alg,
    kid: header.kid as string | undefined,
    claims,
    payloadSegment: parts[1],
    issuer: (claims.iss as string | undefined) ?? "",
  };
}

/** `exp` and `nbf` against `nowSeconds`, with Envoy's clock skew. */
export function checkTimes(claims: Readonly<Record<string, unknown>>, nowSeconds: number): void {
  const nbf = claims.nbf;
  if (typeof nbf === "number" && nowSeconds + CLOCK_SKEW_SECONDS < nbf) {
    throw new JwtFailure(JwtStatus.NotYetValid);
  }
  const exp = claims.exp;
  if (typeof exp === "number" && nowSeconds > exp + CLOCK_SKEW_SECONDS) {
    throw new JwtFailure(JwtStatus.Expired);
  }
}

/** The token's `aud` (a string or a list) must contain one of `allowed`; an empty `allowed` accepts any. */
export function checkAudiences(claims: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const aud = claims.aud;
  const list = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!list.some((a) => typeof a === "string" && allowed.includes(a))) {
    throw new JwtFailure(JwtStatus.AudienceNotAllowed);
  }
}

function decodeJson(
  segment: string,
  badBase64: JwtStatusText,
  badJson: JwtStatusText,
): Record<string, unknown> {
  if (segment === "" || !BASE64URL.test(segment)) throw new JwtFailure(badBase64);
  let text: string;
  try {
    const b64 = segment.replace(/=+$/, "").replaceAll("-", "+").replaceAll("_", "/");
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    text = DECODER.decode(bytes);
  } catch {
    throw new JwtFailure(badBase64);
  }
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch {
    throw new JwtFailure(badJson);
  }
}
