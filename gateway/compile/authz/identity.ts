/**
 * Identity values of AuthorizationPolicy rules, as istiod's generators build them: the peer's mTLS principal
 * (`principals`, `namespaces`, `serviceAccounts`, `trustDomains`, Envoy's `authenticated` matcher: never true
 * without a client certificate) and the JWT payload (`requestPrincipals`, `request.auth.*` claims).
 * @module
 */
import type { AuthzAttributes } from "./types.ts";
import { type StringTest, stringTest } from "./values.ts";

/** A test on the request attributes. */
export type AttributeTest = (attrs: AuthzAttributes) => boolean;

const SPIFFE = "spiffe://";

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** A test of the peer principal; false when the connection carries no authenticated identity. */
function authenticated(test: StringTest): AttributeTest {
  return (a) => a.peerPrincipal !== undefined && test(a.peerPrincipal);
}

/** `principals`, `source.principal`: the value with `spiffe://` before it (`*` alone: any identity). */
export function principalTest(value: string): AttributeTest {
  if (value === "*") return authenticated((p) => p.length > 0);
  if (value.startsWith("*")) {
    const suffix = value.slice(1);
    return authenticated((p) => p.startsWith(SPIFFE) && p.endsWith(suffix));
  }
  return authenticated(stringTest(SPIFFE + value));
}

/** `namespaces`, `source.namespace`: the principal's `/ns/<namespace>/` part (`*` a wildcard within it). */
export function namespaceTest(value: string): AttributeTest {
  const ns = escapeRegex(value).replaceAll("*", ".*");
  const re = new RegExp(`^.*/ns/${ns}/.*$`);
  return authenticated((p) => re.test(p));
}

/** `serviceAccounts`, `source.serviceAccount`: `sa` (in the policy's namespace) or `ns/sa`. */
export function serviceAccountTest(value: string, policyNamespace: string): AttributeTest {
  const slash = value.indexOf("/");
  const ns = slash < 0 ? policyNamespace : value.slice(0, slash);
  const sa = slash < 0 ? value : value.slice(slash + 1);
  const re = new RegExp(`^spiffe://.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`);
  return authenticated((p) => re.test(p));
}

/** `trustDomains`, `source.trustDomain`: the principal's trust domain. */
export function trustDomainTest(value: string): AttributeTest {
  const test = stringTest(value);
  return authenticated((p) => {
    if (!p.startsWith(SPIFFE)) return false;
    const end = p.indexOf("/", SPIFFE.length);
    return test(end < 0 ? p.slice(SPIFFE.length) : p.slice(SPIFFE.length, end));
  });
}

/**
 * `requestPrincipals`, `request.auth.principal`: `<iss>/<sub>` split at the last `/` (issuers may be URLs) and
 * matched against the token's `iss` and `sub` claims; `*` needs both non-empty.
 */
export function requestPrincipalTest(value: string): AttributeTest {
  const nonEmpty: StringTest = (v) => v.length > 0;
  const idx = value.lastIndexOf("/");
  const found = idx >= 0;
  const iss = found ? value.slice(0, idx) : value;
  const sub = found ? value.slice(idx + 1) : "";
  let matchIss: StringTest, matchSub: StringTest;
  if (value === "*") {
    matchIss = matchSub = nonEmpty;
  } else if (value.startsWith("*")) {
    if (found) {
      matchIss = iss === "*" ? nonEmpty : suffixTest(iss.slice(1));
      matchSub = (v) => v === sub;
    } else {
      matchIss = nonEmpty;
      matchSub = suffixTest(value.slice(1));
    }
  } else if (value.endsWith("*")) {
    if (found) {
      matchIss = (v) => v === iss;
      matchSub = sub === "*" ? nonEmpty : prefixTest(sub.slice(0, -1));
    } else {
      matchIss = prefixTest(value.slice(0, -1));
      matchSub = nonEmpty;
    }
  } else {
    matchIss = (v) => v === iss;
    matchSub = (v) => v === sub;
  }
  return (a) => {
    const c = a.claims;
    return c !== undefined && typeof c.iss === "string" && typeof c.sub === "string" && matchIss(c.iss) &&
      matchSub(c.sub);
  };
}

function suffixTest(suffix: string): StringTest {
  return (v) => v.endsWith(suffix);
}

function prefixTest(prefix: string): StringTest {
  return (v) => v.startsWith(prefix);
}

/**
 * A JWT claim at `path` (nested objects for `[a][b]`) against any of `values`: a string claim, or any string
 * element of a list claim, must match; numbers, booleans and objects never do. Space-delimited claims (`scope`)
 * arrive split into lists from the JWT step, as Envoy's jwt_authn hands them to RBAC.
 */
export function claimTest(path: readonly string[], values: readonly string[]): AttributeTest {
  const tests = values.map((v) => stringTest(v));
  const matches = (s: string) => tests.some((t) => t(s));
  return (a) => {
    let v: unknown = a.claims;
    for (const key of path) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
      v = (v as Record<string, unknown>)[key];
    }
    if (typeof v === "string") return matches(v);
    return Array.isArray(v) && v.some((e) => typeof e === "string" && matches(e));
  };
}
