/**
 * Reading a compact JWT as jwt_verify_lib does, with its status for each kind of malformed token (sections,
 * base64url, JSON without repeated keys, claim types), and the time and audience checks Envoy makes before the
 * signature (60 seconds of clock skew).
 * @module
 */
import { JwtFailure, JwtStatus, type JwtStatusText } from "./status.ts";
import { parseStructJson } from "./struct_json.ts";

/** A token's decoded parts. */
export interface ParsedJwt {
  readonly alg: string;
  readonly kid?: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The payload segment as received (base64url), which `outputPayloadToHeader` forwards. */
  readonly payloadSegment: string;
  readonly issuer: string;
  /** `exp` in whole seconds; 0 when absent (no expiry). */
  readonly exp: number;
  /** `nbf` in whole seconds; 0 when absent. */
  readonly nbf: number;
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
const CLOCK_SKEW_SECONDS = 60;

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a token's header and payload and checks the claim types, in jwt_verify_lib's order; throws
 * {@link JwtFailure} with its reason.
 */
export function parseJwt(token: string): ParsedJwt {
  const parts = token.split(".");
  // Exactly two dots and three non-empty sections: an unsigned `header.payload.` token is malformed.
  if (parts.length !== 3 || parts.includes("")) throw new JwtFailure(JwtStatus.BadFormat);
  const header = decodeJson(parts[0], JwtStatus.HeaderBadBase64, JwtStatus.HeaderBadJson);
  if (typeof header.alg !== "string") throw new JwtFailure(JwtStatus.HeaderBadAlg);
  if (!ALGORITHMS.has(header.alg)) throw new JwtFailure(JwtStatus.HeaderNotImplementedAlg);
  if (header.kid !== undefined && typeof header.kid !== "string") {
    throw new JwtFailure(JwtStatus.HeaderBadKid);
  }
  const claims = decodeJson(parts[1], JwtStatus.PayloadBadBase64, JwtStatus.PayloadBadJson);
  expectString(claims.iss, JwtStatus.IssNotString);
  expectString(claims.sub, JwtStatus.SubNotString);
  seconds(claims.iat, JwtStatus.IatNotInteger, JwtStatus.IatOutOfRange);
  const nbf = seconds(claims.nbf, JwtStatus.NbfNotInteger, JwtStatus.NbfOutOfRange);
  const exp = seconds(claims.exp, JwtStatus.ExpNotInteger, JwtStatus.ExpOutOfRange);
  expectString(claims.jti, JwtStatus.JtiNotString);
  const aud = claims.aud;
  if (
    aud !== undefined && typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))
  ) {
    throw new JwtFailure(JwtStatus.AudNotString);
  }
  if (!BASE64URL.test(parts[2])) throw new JwtFailure(JwtStatus.SignatureBadBase64);
  return {
    alg: header.alg,
    kid: header.kid as string | undefined,
    claims,
    payloadSegment: parts[1],
    issuer: (claims.iss as string | undefined) ?? "",
    exp,
    nbf,
  };
}

/** `exp` and `nbf` against `nowSeconds`, with Envoy's clock skew. */
export function checkTimes(jwt: Pick<ParsedJwt, "exp" | "nbf">, nowSeconds: number): void {
  if (nowSeconds + CLOCK_SKEW_SECONDS < jwt.nbf) throw new JwtFailure(JwtStatus.NotYetValid);
  if (jwt.exp !== 0 && nowSeconds > jwt.exp + CLOCK_SKEW_SECONDS) throw new JwtFailure(JwtStatus.Expired);
}

function expectString(v: unknown, status: JwtStatusText): void {
  if (v !== undefined && typeof v !== "string") throw new JwtFailure(status);
}

/** A time claim as jwt_verify_lib reads it: any JSON number, truncated, within [0, 2^64); 0 when absent. */
function seconds(v: unknown, notInteger: JwtStatusText, outOfRange: JwtStatusText): number {
  if (v === undefined) return 0;
  if (typeof v !== "number") throw new JwtFailure(notInteger);
  if (v < 0 || v >= 2 ** 64) throw new JwtFailure(outOfRange);
  return Math.trunc(v);
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
  let bytes: Uint8Array;
  try {
    const bin = atob(segment.replace(/=+$/, "").replaceAll("-", "+").replaceAll("_", "/"));
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  } catch {
    throw new JwtFailure(badBase64);
  }
  // Protobuf's JSON parser refuses text that is not UTF-8: a JSON error, not a base64 one.
  let text: string;
  try {
    text = DECODER.decode(bytes);
  } catch {
    throw new JwtFailure(badJson);
  }
  const value = parseStructJson(text);
  if (value === undefined) throw new JwtFailure(badJson);
  return value;
}
