/**
 * Which RequestAuthentications apply to this gateway and the JWT rules they carry, as istiod gathers them
 * (`getConfigsForWorkload`, `ShouldAttachPolicy`; see `policy_attachment.ts`): every policy of the root namespace
 * without selector or targetRefs (mesh-wide), every one of the gateway's namespace without them
 * (namespace-wide), and those of either namespace whose `selector` labels are a subset of the gateway's labels
 * or, from the gateway's own namespace and for a Gateway API gateway, whose `targetRefs` name it.
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import { parseDuration } from "../config/duration.ts";
import { jwksUriOf, type JWTRule } from "../config/kinds/security/request_authentication.ts";
import { compareByCreation } from "../config/resource.ts";
import type { GatewayIdentity } from "./listeners.ts";
import { attachedPolicies } from "./policy_attachment.ts";

/** Where a token is read from: a header (with a prefix to strip), a query parameter or a cookie. */
export type TokenLocation =
  | { readonly kind: "header"; readonly name: string; readonly prefix: string }
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "cookie"; readonly name: string };

/** One `jwtRule` ready for the request path (Envoy's JWT provider). */
export interface CompiledJwtRule {
  /** `namespace/name#index` of the rule's resource, for diagnostics. */
  readonly source: string;
  /** Empty: any issuer. */
  readonly issuer: string;
  /** Empty: no audience check. */
  readonly audiences: readonly string[];
  readonly jwksUri?: string;
  /** Inline JWKS text. */
  readonly jwks?: string;
  readonly locations: readonly TokenLocation[];
  readonly outputPayloadToHeader?: string;
  readonly forwardOriginalToken: boolean;
  readonly claimToHeaders: readonly { readonly header: string; readonly claim: string }[];
  /** JWKS fetch timeout in milliseconds (Istio's default 5s). */
  readonly timeoutMs: number;
  /** Claims split on spaces for matching: `scope`, `permission` and the rule's `spaceDelimitedClaims`. */
  readonly spaceDelimitedClaims: readonly string[];
}

/** Istio's default token locations: `Authorization: Bearer <token>`, then `?access_token=`. */
export const DEFAULT_LOCATIONS: readonly TokenLocation[] = [
  { kind: "header", name: "authorization", prefix: "Bearer " },
  { kind: "param", name: "access_token" },
];

/** The claims istiod always has Envoy split on spaces (`buildSpaceDelimitedClaims`). */
export const DEFAULT_SPACE_DELIMITED_CLAIMS: readonly string[] = ["scope", "permission"];

/** The JWT rules of every RequestAuthentication applying to the gateway `identity`, oldest policy first. */
export function selectJwtRules(
  config: ConfigSet,
  identity: GatewayIdentity,
  rootNamespace: string,
): CompiledJwtRule[] {
  if (config.requestAuthentications.length === 0) return [];
  const sorted = [...config.requestAuthentications].sort((a, b) => compareByCreation(a.meta, b.meta));
  // istiod's `getConfigsForWorkload` runs `ShouldAttachPolicy` on the root namespace's policies too.
  const applying = attachedPolicies(sorted, identity, {
    rootNamespace,
    rootSelectorsMeshWide: true,
    namespaceWide: "every",
  });
  const out: CompiledJwtRule[] = [];
  for (const ra of applying) {
    ra.spec.jwtRules?.forEach((rule, i) =>
      out.push(compileRule(rule, `${ra.meta.namespace}/${ra.meta.name}#${i}`))
    );
  }
  return out;
}

function compileRule(rule: JWTRule, source: string): CompiledJwtRule {
  const locations: TokenLocation[] = [
    ...(rule.fromHeaders ?? []).map((h) => ({
      kind: "header" as const,
      name: h.name.toLowerCase(),
      prefix: h.prefix ?? "",
    })),
    ...(rule.fromParams ?? []).map((name) => ({ kind: "param" as const, name })),
    ...(rule.fromCookies ?? []).map((name) => ({ kind: "cookie" as const, name })),
  ];
  return {
    source,
    issuer: rule.issuer ?? "",
    audiences: rule.audiences ?? [],
    jwksUri: jwksUriOf(rule),
    jwks: rule.jwks || undefined,
    locations: locations.length > 0 ? locations : DEFAULT_LOCATIONS,
    outputPayloadToHeader: rule.outputPayloadToHeader || undefined,
    forwardOriginalToken: rule.forwardOriginalToken === true,
    claimToHeaders: rule.outputClaimToHeaders ?? [],
    timeoutMs: rule.timeout !== undefined ? parseDuration(rule.timeout) ?? 5000 : 5000,
    spaceDelimitedClaims: [
      ...new Set([...DEFAULT_SPACE_DELIMITED_CLAIMS, ...(rule.spaceDelimitedClaims ?? [])]),
    ],
  };
}
