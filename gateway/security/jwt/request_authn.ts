/**
 * The request path's RequestAuthentication step: one lookup when no policy applies; otherwise the tokens are
 * verified, a failure answered as Envoy's jwt_authn answers it, and a success's header edits applied.
 * @module
 */
import type { Snapshot } from "../../compile/types.ts";
import { localReply } from "../../proxy/local_reply.ts";
import { type AuthnResult, JwtAuthenticator } from "./authenticator.ts";
import { type TokenSource, withoutQueryParams } from "./extract.ts";
import { JwksCache } from "./jwks_cache.ts";
import { JwtFailure, JwtStatus, wwwAuthenticate } from "./status.ts";

/** The remote JWKS shared by every snapshot of the process. */
const sharedJwksCache: JwksCache = new JwksCache();

const authenticators = new WeakMap<Snapshot, JwtAuthenticator>();

/** The authenticator of a snapshot, built once; undefined when no RequestAuthentication applies. */
export function authenticatorFor(snapshot: Snapshot, cache = sharedJwksCache): JwtAuthenticator | undefined {
  const rules = snapshot.jwtRules;
  if (rules === undefined || rules.length === 0) return undefined;
  let a = authenticators.get(snapshot);
  if (!a) {
    a = new JwtAuthenticator(rules, cache);
    authenticators.set(snapshot, a);
  }
  return a;
}

/** A request as the JWT step sees it. */
export interface JwtRequest extends TokenSource {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly fullPath: string;
}

/** How the JWT step ended: passed (with the auth context when a token verified) or rejected with a reply. */
export type JwtOutcome =
  | { readonly ok: true; readonly auth?: AuthnResult }
  | { readonly ok: false; readonly response: Response; readonly details: string };

/** Verifies the request's tokens; CORS preflights pass untouched, as Istio configures the filter. */
export async function checkJwt(authn: JwtAuthenticator, req: JwtRequest): Promise<JwtOutcome> {
  if (req.method === "OPTIONS" && req.header("origin") && req.header("access-control-request-method")) {
    return { ok: true };
  }
  try {
    return { ok: true, auth: await authn.authenticate(req) };
  } catch (e) {
    const failure = e instanceof JwtFailure ? e : new JwtFailure(JwtStatus.VerificationFail);
    const response = localReply(failure.httpStatus, failure.status, {
      "www-authenticate": wwwAuthenticate(req.scheme, req.authority, req.fullPath),
    });
    return { ok: false, response, details: failure.details };
  }
}

/** The `:path` a verified request goes on with: its token query parameters removed unless forwarded. */
export function pathAfterAuthn(fullPath: string, auth: AuthnResult): string {
  return withoutQueryParams(fullPath, auth.removeParams);
}

/**
 * The request with a verified token's header edits (served requests' headers are immutable, so a changed request
 * is a new one carrying the same body and signal); the request itself when there are no edits.
 */
export function withAuthHeaders(req: Request, auth: AuthnResult): Request {
  if (auth.remove.length === 0 && auth.set.length === 0) return req;
  const headers = new Headers(req.headers);
  for (const name of auth.remove) headers.delete(name);
  for (const [name, value] of auth.set) headers.set(name, value);
  return new Request(req, { headers });
}
