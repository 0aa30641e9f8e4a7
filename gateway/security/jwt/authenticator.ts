/**
 * RequestAuthentication on the request path (Envoy's jwt_authn as Istio configures it: each jwtRule a provider,
 * `requires_any` of them or a missing token): a request without a token passes; every token found must verify
 * with a rule whose location it came from and whose issuer it names. A verified token's claims become the
 * request's auth context, and the rule's header outputs are applied.
 * @module
 */
import type { CompiledJwtRule, TokenLocation } from "../../compile/request_authn.ts";
import { extractAt, locationKey, type TokenSource } from "./extract.ts";
import { JwksCache } from "./jwks_cache.ts";
import { KeySet } from "./key_set.ts";
import { JwtFailure, JwtStatus } from "./status.ts";
import { checkAudiences, checkTimes, type ParsedJwt, parseJwt } from "./token.ts";

/** What a request gets from its verified tokens. */
export interface AuthnResult {
  /** The claims of the first verified token (`request.auth.claims`). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `<iss>/<sub>` of that token (`request.auth.principal`). */
  readonly principal: string;
  /** Request headers to remove (the token headers not forwarded). */
  readonly remove: readonly string[];
  /** Request headers to set (`outputPayloadToHeader`, `outputClaimToHeaders`). */
  readonly set: readonly (readonly [string, string])[];
}

interface LocationGroup {
  readonly location: TokenLocation;
  readonly rules: readonly CompiledJwtRule[];
}

/** The JWT rules of one snapshot, with their keys. */
export class JwtAuthenticator {
  readonly #groups: readonly LocationGroup[];
  readonly #inline = new Map<CompiledJwtRule, KeySet>();
  readonly #remote: JwksCache;

  constructor(rules: readonly CompiledJwtRule[], remote: JwksCache) {
    this.#remote = remote;
    const groups = new Map<string, { location: TokenLocation; rules: CompiledJwtRule[] }>();
    for (const rule of rules) {
      if (rule.jwks !== undefined) this.#inline.set(rule, KeySet.parse(rule.jwks));
      for (const location of rule.locations) {
        const key = locationKey(location);
        const g = groups.get(key) ?? { location, rules: [] };
        g.rules.push(rule);
        groups.set(key, g);
      }
    }
    this.#groups = [...groups.values()];
  }

  /**
   * Verifies the request's tokens: undefined when it carries none; throws {@link JwtFailure} for the first
   * token that does not verify.
   */
  async authenticate(source: TokenSource, nowSeconds = Date.now() / 1000): Promise<AuthnResult | undefined> {
    let first: { jwt: ParsedJwt } | undefined;
    const remove: string[] = [];
    const set: [string, string][] = [];
    for (const group of this.#groups) {
      const token = extractAt(source, group.location);
      if (token === undefined) continue;
      const jwt = parseJwt(token);
      const rule = await this.#verifyWithAny(token, jwt, group.rules, nowSeconds);
      first ??= { jwt };
      if (!rule.forwardOriginalToken && group.location.kind === "header") remove.push(group.location.name);
      if (rule.outputPayloadToHeader) set.push([rule.outputPayloadToHeader, jwt.payloadSegment]);
      for (const c of rule.claimToHeaders) {
        const v = claimText(jwt.claims, c.claim);
        if (v !== undefined) set.push([c.header, v]);
      }
    }
    if (!first) return undefined;
    const sub = typeof first.jwt.claims.sub === "string" ? first.jwt.claims.sub : "";
    return { claims: first.jwt.claims, principal: `${first.jwt.issuer}/${sub}`, remove, set };
  }

  async #verifyWithAny(
    token: string,
    jwt: ParsedJwt,
    rules: readonly CompiledJwtRule[],
    nowSeconds: number,
  ): Promise<CompiledJwtRule> {
    let failure: unknown;
    for (const rule of rules) {
      if (rule.issuer !== "" && rule.issuer !== jwt.issuer) continue;
      try {
        checkTimes(jwt.claims, nowSeconds);
        checkAudiences(jwt.claims, rule.audiences);
        const keys = this.#inline.get(rule) ??
          (rule.jwksUri !== undefined
            ? await this.#remote.keys(rule.jwksUri, rule.timeoutMs)
            : new KeySet([]));
        await keys.verify(token, jwt.alg, jwt.kid);
        return rule;
      } catch (e) {
        failure ??= e;
      }
    }
    throw failure ?? new JwtFailure(JwtStatus.UnknownIssuer);
  }
}

/** A claim as header text: strings, numbers and booleans as they are, lists of them joined by commas. */
function claimText(claims: Readonly<Record<string, unknown>>, claim: string): string | undefined {
  let v: unknown = claims[claim];
  if (v === undefined && claim.includes(".")) {
    v = claims;
    for (const key of claim.split(".")) {
      v = v !== null && typeof v === "object" ? (v as never)[key] : undefined;
    }
  }
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((e) => ["string", "number", "boolean"].includes(typeof e))) {
    return v.join(",");
  }
  return undefined;
}
