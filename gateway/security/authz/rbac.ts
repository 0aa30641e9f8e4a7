/**
 * Envoy's RBAC filters as istiod configures them for ALLOW and DENY policies (after jwt_authn): a request
 * matching any DENY rule is denied; otherwise, when ALLOW policies apply, it must match one of their rules.
 * A denial is Envoy's local reply: 403 `RBAC: access denied`, with response code details naming the first
 * matching policy (`rbac_access_denied_matched_policy[<id>]`, `[none]` when no ALLOW rule matched).
 * @module
 */
import type { AuthzAttributes, CompiledAuthz, CompiledAuthzRule } from "../../compile/authz/types.ts";
import { localReply } from "../../proxy/local_reply.ts";

/** How the RBAC step decided: allowed, or denied with the matching policy (undefined: no ALLOW rule matched). */
export type RbacDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly policy?: string };

const ALLOWED: RbacDecision = { allowed: true };

/** DENY rules first, then ALLOW rules; AUDIT and dry-run policies never change the outcome. */
export function evaluateRbac(authz: CompiledAuthz, attrs: AuthzAttributes): RbacDecision {
  const denied = firstMatch(authz.deny, attrs);
  if (denied) return { allowed: false, policy: denied.id };
  if (authz.allow === undefined || firstMatch(authz.allow, attrs)) return ALLOWED;
  return { allowed: false };
}

/** The first rule (in Envoy's name order) matching the request. */
export function firstMatch(
  rules: readonly CompiledAuthzRule[],
  attrs: AuthzAttributes,
): CompiledAuthzRule | undefined {
  for (const rule of rules) if (rule.matches(attrs)) return rule;
  return undefined;
}

/** Envoy's RBAC denial: the reply and its response code details. */
export function rbacDenial(policy: string | undefined): { response: Response; details: string } {
  return {
    response: localReply(403, "RBAC: access denied"),
    details: `rbac_access_denied_matched_policy[${policy ?? "none"}]`,
  };
}
