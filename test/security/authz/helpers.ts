/**
 * Request attributes for the authorization tests: made by the gateway's own `authzAttributes` from a request.
 * @module
 */
import type { AuthzAttributes } from "../../../gateway/compile/authz/types.ts";
import { authzAttributes } from "../../../gateway/security/authz/attributes.ts";
import { clientAddresses } from "../../../gateway/proxy/client_address.ts";

/** What a test request is made of; everything has a default. */
export interface TestRequest {
  readonly method?: string;
  readonly authority?: string;
  /** Path with query. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly peer?: string;
  readonly localAddress?: string;
  readonly trustedHops?: number;
  readonly claims?: Record<string, unknown>;
  readonly peerPrincipal?: string;
}

/** The attributes of a test request (GET `/` to `example.com` from 10.0.0.1, listener 127.0.0.1:8080). */
export function attrs(r: TestRequest = {}): AuthzAttributes {
  const fullPath = r.path ?? "/";
  const q = fullPath.indexOf("?");
  const req = new Request(`http://${r.authority ?? "example.com"}${fullPath}`, {
    method: r.method ?? "GET",
    headers: r.headers,
  });
  return authzAttributes({
    req,
    authority: r.authority ?? "example.com",
    path: q < 0 ? fullPath : fullPath.slice(0, q),
    fullPath,
    scheme: "http",
    peer: r.peer ?? "10.0.0.1",
    localAddress: r.localAddress ?? "127.0.0.1:8080",
    addresses: clientAddresses(r.peer ?? "10.0.0.1", req.headers.get("x-forwarded-for"), r.trustedHops ?? 0),
    claims: r.claims,
    peerPrincipal: r.peerPrincipal,
  });
}
