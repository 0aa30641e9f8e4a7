/**
 * RequestAuthentication on the request path (Envoy's jwt_authn as Istio configures it: each jwtRule a provider,
 * `requires_any` of them or a missing token): a request without a token passes; every token found must verify
 * with a rule whose location it came from and whose issuer it names. A verified token's claims become the
 * request's auth context (with Envoy's space-delimited claims split into lists), and the rule's header outputs
 * are applied; a token not forwarded is removed from its header or query parameter. Verified tokens are kept
 * (`verified_tokens.ts`) so a repeated token skips the signature check.
 * @module
 */
import type { CompiledJwtRule, TokenLocation } from "../../compile/request_authn.ts";
import { extractAt, locationKey, type TokenSource } from "./extract.ts";
import { FAKE_KEYS, JwksCache } from "./jwks_cache.ts";
import { KeySet } from "./key_set.ts";
import { JwtFailure, JwtStatus } from "./status.ts";
import { checkAudiences, checkTimes, type ParsedJwt, parseJwt } from "./token.ts";
import { VerifiedTokens } from "./verified_tokens.ts";

/** What a request gets from its verified tokens. */
export interface AuthnResult {
  /** The claims of the first verified token (`request.auth.claims`). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `<iss>/<sub>` of that token (`request.auth.principal`). */
  readonly principal: string;
  /** Request headers to remove (the token headers not forwarded). */
  readonly remove: readonly string[];
  /** Query parameters to remove (the token parameters not forwarded, as Envoy ≥ 1.31 removes them). */
  readonly removeParams: readonly string[];
  /** Request headers to set (`outputPayloadToHeader`, `outputClaimToHeaders`). */
  readonly set: readonly (readonly [string, string])[];
}

interface LocationGroup {
  readonly location: TokenLocation;
  readonly rules: readonly CompiledJwtRule[];
}

/** A token that verified: its parts, the rule that accepted it and the keys that verified it. */
interface Verified {
  readonly group: LocationGroup;
  readonly jwt: ParsedJwt;
  readonly rule: CompiledJwtRule;
  readonly keys: KeySet;
}

/** How many verified tokens an authenticator keeps by default. */
const DEFAULT_VERIFIED_TOKENS = 1000;

/** The JWT rules of one snapshot, with their keys. */
export class JwtAuthenticator {
  readonly #groups: readonly LocationGroup[];
  readonly #inline = new Map<CompiledJwtRule, KeySet>();
  readonly #remote: JwksCache;
  readonly #verified: VerifiedTokens<Verified>;

  /** `verifiedTokens`: how many verified tokens to keep (0: verify every request). */
  constructor(
    rules: readonly CompiledJwtRule[],
    remote: JwksCache,
    verifiedTokens = DEFAULT_VERIFIED_TOKENS,
  ) {
    this.#remote = remote;
    this.#verified = new VerifiedTokens(verifiedTokens);
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
    let first: { jwt: ParsedJwt; rule: CompiledJwtRule } | undefined;
    const remove: string[] = [];
    const removeParams: string[] = [];
    const set: [string, string][] = [];
    for (const group of this.#groups) {
      const token = extractAt(source, group.location);
      if (token === undefined) continue;
      const { jwt, rule } = await this.#verify(group, token, nowSeconds);
      first ??= { jwt, rule };
      if (!rule.forwardOriginalToken) {
        // Envoy removes a header or query parameter token; a cookie stays.
        if (group.location.kind === "header") remove.push(group.location.name);
        else if (group.location.kind === "param") removeParams.push(group.location.name);
      }
      if (rule.outputPayloadToHeader) set.push([rule.outputPayloadToHeader, jwt.payloadSegment]);
      for (const c of rule.claimToHeaders) {
        const v = claimText(jwt.claims, c.claim);
        if (v !== undefined) set.push([c.header, v]);
      }
    }
    if (!first) return undefined;
    const sub = typeof first.jwt.claims.sub === "string" ? first.jwt.claims.sub : "";
    const claims = splitSpaceDelimited(first.jwt.claims, first.rule.spaceDelimitedClaims);
    return { claims, principal: `${first.jwt.issuer}/${sub}`, remove, removeParams, set };
  }

  /**
   * The keys of a rule without inline `jwks`: from `jwksUri`, else from the issuer's OpenID discovery document,
   * as istiod resolves them; istiod's stand-in key when neither gives keys.
   */
  async #remoteKeys(rule: CompiledJwtRule): Promise<KeySet> {
    if (rule.jwksUri !== undefined) return await this.#remote.keys(rule.jwksUri, rule.timeoutMs);
    if (rule.issuer === "") return FAKE_KEYS;
    const uri = await this.#remote.discoveredJwksUri(rule.issuer, rule.timeoutMs);
    return uri === undefined ? FAKE_KEYS : await this.#remote.keys(uri, rule.timeoutMs);
  }

  /** A token from `group` verified, or taken from the verified tokens when its keys are still current. */
  async #verify(group: LocationGroup, token: string, nowSeconds: number): Promise<Verified> {
    const hit = this.#verified.get(token);
    if (hit !== undefined && hit.group === group && await this.#keysOf(hit.rule) === hit.keys) {
      try {
        checkTimes(hit.jwt, nowSeconds);
      } catch (e) {
        this.#verified.delete(token);
        throw e;
      }
      return hit;
    }
    const verified = await this.#verifyWithAny(group, token, parseJwt(token), nowSeconds);
    this.#verified.set(token, verified);
    return verified;
  }

  #keysOf(rule: CompiledJwtRule): KeySet | Promise<KeySet> {
    return this.#inline.get(rule) ?? this.#remoteKeys(rule);
  }

  async #verifyWithAny(
    group: LocationGroup,
    token: string,
    jwt: ParsedJwt,
    nowSeconds: number,
  ): Promise<Verified> {
    let failure: unknown;
    for (const rule of group.rules) {
      if (rule.issuer !== "" && rule.issuer !== jwt.issuer) continue;
      try {
        checkTimes(jwt, nowSeconds);
        checkAudiences(jwt.claims, rule.audiences);
        const keys = await this.#keysOf(rule);
        await keys.verify(token, jwt.alg, jwt.kid);
        return { group, jwt, rule, keys };
      } catch (e) {
        failure ??= e;
      }
    }
    throw failure ?? new JwtFailure(JwtStatus.UnknownIssuer);
  }
}

/**
 * The claims as Envoy puts them in the request's metadata (`normalize_payload_in_metadata`), which routing and
 * authorization read: each listed top-level claim holding a string becomes the list of its space-separated words
 * (`"scope": "read write"` → `["read", "write"]`); a string with no words stays as it is.
 */
function splitSpaceDelimited(
  claims: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | undefined;
  for (const name of names) {
    const v = claims[name];
    if (typeof v !== "string") continue;
    const words = v.split(" ").filter((w) => w !== "");
    if (words.length === 0) continue;
    out ??= { ...claims };
    out[name] = words;
  }
  return out ?? claims;
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
