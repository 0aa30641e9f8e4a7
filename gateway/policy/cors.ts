/**
 * VirtualService `http[].corsPolicy`: Envoy's CORS filter as istiod configures it (`TranslateCORSPolicy`).
 *
 * istiod's translation: `allowOrigins` (StringMatch exact/prefix/regex, regex = RE2 full match, case-sensitive)
 * wins over the deprecated `allowOrigin` list (exact strings); `allowMethods`, `allowHeaders` and
 * `exposeHeaders` are joined with `,`; `maxAge` becomes whole seconds; `allowCredentials` as given;
 * `unmatchedPreflights: IGNORE` ⇒ `forward_not_matching_preflights: false`, anything else ⇒ true (FORWARD).
 *
 * Envoy's filter, per request with a non-empty `Origin`:
 * - The origin is allowed when some matcher matches it, or matches the literal `*` (so `allowOrigin: ["*"]`,
 *   `exact: "*"` or `regex: ".*"` allow every origin). The reply echoes the request's origin, never `*`.
 * - Preflight = `OPTIONS` with `Origin` and a non-empty `Access-Control-Request-Method`. An unmatched preflight
 *   goes upstream under FORWARD. Otherwise the gateway answers `200` with no body: `access-control-allow-origin`
 *   (only when matched), `access-control-allow-credentials: true` (when set), `access-control-allow-methods`
 *   (the request's method when the list is exactly `*`), `access-control-allow-headers` (the request's
 *   `Access-Control-Request-Headers` when exactly `*`), `access-control-max-age`; and, because the reply
 *   passes through the filter's own response path, `access-control-expose-headers` when matched. Note that
 *   under IGNORE an unmatched preflight still gets the methods/headers/max-age/credentials headers: only the
 *   allow-origin (and expose) headers are left out, which is what makes the browser refuse.
 * - Any other response (upstream or a later local reply such as a 503/504) to a request whose origin matched
 *   gets `access-control-allow-origin: <origin>` (replacing the upstream's), `access-control-allow-credentials:
 *   true` when set and `access-control-expose-headers` when set. Unmatched origins leave the response alone.
 * - `Vary`: Envoy's CORS filter never adds or changes `Vary` (envoyproxy/envoy#35873, PR #38868 not merged);
 *   the upstream's `Vary` passes through. `varyOrigin: true` opts into appending `Origin`.
 *
 * Filter order in Istio is `fault, cors, router`: faults apply to preflights too, and a fault abort reply gets
 * no CORS headers.
 * @module
 */
import { RE2JS } from "re2js";
import type { CorsPolicy } from "../config/kinds/networking/virtual_service.ts";
import type { StringMatch } from "../config/schema/common.ts";
import { parseDuration } from "../config/duration.ts";

/** The request parts a preflight check reads. */
export interface CorsRequest {
  readonly method: string;
  readonly headers: Headers;
}

/** Options beyond what Istio configures. */
export interface CorsOptions {
  /** Append `Origin` to `Vary` on responses that echo an origin. Envoy does not. @default false */
  readonly varyOrigin?: boolean;
}

/** A compiled `corsPolicy`, used on the request path. */
export interface CorsPolicyRuntime {
  /** True when the origin matches `allowOrigins` (or the deprecated `allowOrigin`). */
  allows(origin: string): boolean;
  /**
   * The gateway's own answer to a CORS preflight, or `undefined` when the request goes on (not a CORS
   * preflight, or an unmatched one under FORWARD). The answer already carries every CORS header.
   */
  preflight(req: CorsRequest): Response | undefined;
  /** Adds the CORS headers of an actual (non-preflight) response; `reqOrigin` is the request's `Origin`. */
  decorate(reqOrigin: string | null, responseHeaders: Headers): void;
}

type OriginMatcher = (origin: string) => boolean;

function compileOrigin(m: StringMatch): OriginMatcher | undefined {
  if (m.exact !== undefined) {
    const want = m.exact;
    return (v) => v === want;
  }
  if (m.prefix !== undefined) {
    const want = m.prefix;
    return (v) => v.startsWith(want);
  }
  if (m.regex !== undefined) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(m.regex);
    } catch {
      return () => false; // validation rejects bad patterns; never match rather than throw on the data path
    }
    return (v) => re.matches(v);
  }
  return undefined; // an empty StringMatch: istiod's ConvertToEnvoyMatches drops it
}

/** istiod's origin matchers: `allowOrigins` when non-empty, else `allowOrigin` as exact strings. */
function originMatchers(policy: CorsPolicy): OriginMatcher[] {
  if (policy.allowOrigins && policy.allowOrigins.length > 0) {
    return policy.allowOrigins.map(compileOrigin).filter((m): m is OriginMatcher => m !== undefined);
  }
  return (policy.allowOrigin ?? []).map((exact) => (v: string) => v === exact);
}

/** `true` when `token` is among the comma-separated tokens of a header value (case-insensitive). */
function hasToken(value: string, token: string): boolean {
  const t = token.toLowerCase();
  return value.split(",").some((part) => {
    const p = part.trim().toLowerCase();
    return p === t || p === "*";
  });
}

/**
 * Compiles a route's `corsPolicy`.
 * @example compileCors({ allowOrigins: [{ exact: "https://example.com" }] }).allows("https://example.com") // true
 */
export function compileCors(policy: CorsPolicy, options: CorsOptions = {}): CorsPolicyRuntime {
  const matchers = originMatchers(policy);
  const allowMethods = (policy.allowMethods ?? []).join(",");
  const allowHeaders = (policy.allowHeaders ?? []).join(",");
  const exposeHeaders = (policy.exposeHeaders ?? []).join(",");
  const maxAgeMs = policy.maxAge === undefined ? undefined : parseDuration(policy.maxAge);
  const maxAge = maxAgeMs === undefined ? "" : String(Math.floor(maxAgeMs / 1000));
  const credentials = policy.allowCredentials === true;
  const forwardUnmatched = policy.unmatchedPreflights !== "IGNORE";

  const allows = (origin: string) => matchers.some((m) => m("*") || m(origin));

  const decorate = (reqOrigin: string | null, headers: Headers) => {
    if (!reqOrigin || !allows(reqOrigin)) return;
    headers.set("access-control-allow-origin", reqOrigin);
    if (credentials) headers.set("access-control-allow-credentials", "true");
    if (exposeHeaders !== "") headers.set("access-control-expose-headers", exposeHeaders);
    if (options.varyOrigin) {
      const vary = headers.get("vary");
      if (vary === null || vary === "") headers.set("vary", "Origin");
      else if (!hasToken(vary, "origin")) headers.set("vary", `${vary}, Origin`);
    }
  };

  const preflight = (req: CorsRequest): Response | undefined => {
    if (req.method !== "OPTIONS") return undefined;
    const origin = req.headers.get("origin");
    if (!origin) return undefined;
    const requestMethod = req.headers.get("access-control-request-method");
    if (!requestMethod) return undefined;
    const allowed = allows(origin);
    if (!allowed && forwardUnmatched) return undefined;
    const headers = new Headers({ server: "istio-envoy" });
    if (allowed) headers.set("access-control-allow-origin", origin);
    if (credentials) headers.set("access-control-allow-credentials", "true");
    if (allowMethods !== "") {
      headers.set("access-control-allow-methods", allowMethods === "*" ? requestMethod : allowMethods);
    }
    if (allowHeaders !== "") {
      headers.set(
        "access-control-allow-headers",
        allowHeaders === "*" ? req.headers.get("access-control-request-headers") ?? "" : allowHeaders,
      );
    }
    if (maxAge !== "") headers.set("access-control-max-age", maxAge);
    decorate(origin, headers);
    return new Response(null, { status: 200, headers });
  };

  return { allows, preflight, decorate };
}

const COMPILED = new WeakMap<CorsPolicy, CorsPolicyRuntime>();

/** `compileCors` cached per policy object (routes are immutable), for per-request use without options. */
export function corsRuntime(policy: CorsPolicy): CorsPolicyRuntime {
  let rt = COMPILED.get(policy);
  if (!rt) {
    rt = compileCors(policy);
    COMPILED.set(policy, rt);
  }
  return rt;
}
