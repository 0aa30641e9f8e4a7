/**
 * JWT verification failures with the texts Envoy's jwt_authn filter answers (jwt_verify_lib's status strings),
 * and the local reply it makes for them.
 * @module
 */

/** jwt_verify_lib's status strings for the failures this gateway detects. */
export const JwtStatus = {
  BadFormat: "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
  HeaderBadBase64: "Jwt header is an invalid Base64url encoded",
  HeaderBadJson: "Jwt header is an invalid JSON",
  HeaderBadAlg: "Jwt header [alg] field is required and must be a string",
  HeaderNotImplementedAlg: "Jwt header [alg] is not supported",
  HeaderBadKid: "Jwt header [kid] field is not a string",
  PayloadBadBase64: "Jwt payload is an invalid Base64url encoded",
  PayloadBadJson: "Jwt payload is an invalid JSON",
  IssNotString: "Jwt payload [iss] field is not a string",
  SubNotString: "Jwt payload [sub] field is not a string",
  IatNotInteger: "Jwt payload [iat] field is not an integer",
  IatOutOfRange: "Jwt payload [iat] field is not a positive 64 bit integer",
  NbfNotInteger: "Jwt payload [nbf] field is not an integer",
  NbfOutOfRange: "Jwt payload [nbf] field is not a positive 64 bit integer",
  ExpNotInteger: "Jwt payload [exp] field is not an integer",
  ExpOutOfRange: "Jwt payload [exp] field is not a positive 64 bit integer",
  JtiNotString: "Jwt payload [jti] field is not a string",
  AudNotString: "Jwt payload [aud] field is not a string or string list",
  SignatureBadBase64: "Jwt signature is an invalid Base64url encoded",
  UnknownIssuer: "Jwt issuer is not configured",
  Expired: "Jwt is expired",
  NotYetValid: "Jwt not yet valid",
  AudienceNotAllowed: "Audiences in Jwt are not allowed",
  VerificationFail: "Jwt verification fails",
  KidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  JwksFetchFail: "Jwks remote fetch is failed",
} as const;

/** One of {@link JwtStatus}'s strings. */
export type JwtStatusText = typeof JwtStatus[keyof typeof JwtStatus];

/** A token that failed verification, with jwt_verify_lib's status text. */
export class JwtFailure extends Error {
  constructor(readonly status: JwtStatusText) {
    super(status);
  }

  /** Envoy answers 403 for a disallowed audience and 401 for everything else. */
  get httpStatus(): number {
    return this.status === JwtStatus.AudienceNotAllowed ? 403 : 401;
  }

  /** Envoy's response code details: `jwt_authn_access_denied{…}` with blanks turned to `_`. */
  get details(): string {
    return `jwt_authn_access_denied{${this.status.replace(/\s/g, "_")}}`;
  }
}

/** Envoy keeps at most this much of the path in the `www-authenticate` realm. */
const MAX_REALM_PATH = 256;

/** The `www-authenticate` value Envoy sets on a rejected token: the request's URL as realm. */
export function wwwAuthenticate(scheme: string, host: string, fullPath: string): string {
  const path = fullPath.length > MAX_REALM_PATH ? fullPath.slice(0, MAX_REALM_PATH) : fullPath;
  return `Bearer realm="${scheme}://${host}${path}", error="invalid_token"`;
}
