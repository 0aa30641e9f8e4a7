/**
 * OpenID Connect discovery of a JWKS URI, as istiod does it for a jwtRule with an issuer and neither `jwks` nor
 * `jwksUri`: `GET <issuer without trailing "/">/.well-known/openid-configuration`, whose `jwks_uri` string names
 * the keys.
 * @module
 */

/** The discovery document's address for `issuer`. */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

/** Fetches the issuer's discovery document and returns its `jwks_uri`; throws when there is none. */
export async function fetchJwksUri(
  fetcher: typeof fetch,
  issuer: string,
  timeoutMs: number,
): Promise<string> {
  const res = await fetcher(discoveryUrl(issuer), { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`status ${res.status}`);
  const uri = (JSON.parse(text) as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof uri !== "string") {
    throw new Error(`invalid jwks_uri ${JSON.stringify(uri)} in discovery document`);
  }
  return uri;
}
