/**
 * Which AuthorizationPolicies apply to this gateway and their compiled rules, as istiod gathers them
 * (`ListAuthorizationPolicies`, `ShouldAttachPolicy`) and builds Envoy's filters: policies of the root namespace
 * (mesh-wide) and of the gateway's namespace that attach to it (`../policy_attachment.ts`: selector subset,
 * targetRefs to a Gateway API gateway; a root-namespace selector reaches gateways of every namespace). Each
 * rule is one Envoy policy named `ns[<ns>]-policy[<name>]-rule[<i>]`; a policy without rules is one that never
 * matches (an ALLOW policy with `spec: {}` denies everything).
 * @module
 */
import type { ConfigSet } from "../../config/config_set.ts";
import type { Diagnostic } from "../../config/diagnostics.ts";
import { parseGoBool } from "../../config/go_bool.ts";
import { DRY_RUN_ANNOTATION } from "../../config/kinds/policy_common.ts";
import type { AuthorizationPolicySpec } from "../../config/kinds/security/authorization_policy.ts";
import type { MeshConfig } from "../../config/mesh/mod.ts";
import { type Resource, resourceDiagnostic } from "../../config/resource.ts";
import type { GatewayIdentity } from "../listeners.ts";
import { attachedPolicies } from "../policy_attachment.ts";
import type { ServiceRegistry } from "../services.ts";
import { compileExtAuthzProvider } from "./ext_authz_provider.ts";
import { compileRule } from "./rule.ts";
import type { CompiledAuthz, CompiledAuthzRule } from "./types.ts";

/** What compiling the policies needs besides the resources. */
export interface AuthzCompileContext {
  readonly identity: GatewayIdentity;
  readonly mesh: MeshConfig;
  readonly services: ServiceRegistry;
  /** Receives warnings (an unusable CUSTOM provider). */
  readonly warnings: Diagnostic[];
}

/** The compiled policies applying to the gateway; undefined when none does. */
export function compileAuthorization(config: ConfigSet, ctx: AuthzCompileContext): CompiledAuthz | undefined {
  const applying = selectAuthorizationPolicies(config, ctx.identity, ctx.mesh.rootNamespace);
  if (applying.length === 0) return undefined;
  const dryRun: string[] = [];
  const custom: Resource<AuthorizationPolicySpec>[] = [];
  const byAction = {
    DENY: [] as CompiledAuthzRule[],
    ALLOW: [] as CompiledAuthzRule[],
    AUDIT: [] as CompiledAuthzRule[],
  };
  let hasAllow = false;
  for (const p of applying) {
    const action = p.spec.action ?? "ALLOW";
    if (action === "CUSTOM") {
      custom.push(p);
      continue;
    }
    if (parseGoBool(p.meta.annotations[DRY_RUN_ANNOTATION] ?? "") === true) {
      dryRun.push(`${p.meta.namespace}/${p.meta.name}`);
      continue;
    }
    if (action === "ALLOW") hasAllow = true;
    byAction[action].push(...rulesOf(p, ""));
  }
  return {
    custom: custom.length > 0 ? compileCustom(custom, ctx) : undefined,
    deny: byName(byAction.DENY),
    allow: hasAllow ? byName(byAction.ALLOW) : undefined,
    audit: byName(byAction.AUDIT),
    dryRun,
  };
}

/** The AuthorizationPolicies applying to the gateway `identity`: root namespace first, then its own. */
function selectAuthorizationPolicies(
  config: ConfigSet,
  identity: GatewayIdentity,
  rootNamespace: string,
): Resource<AuthorizationPolicySpec>[] {
  // istiod's `ListAuthorizationPolicies` runs `ShouldAttachPolicy` on the root namespace's policies too.
  const applying = attachedPolicies(config.authorizationPolicies, identity, {
    rootNamespace,
    rootSelectorsMeshWide: true,
    namespaceWide: "every",
  });
  const inRoot = applying.filter((p) => p.meta.namespace === rootNamespace);
  return [...inRoot, ...applying.filter((p) => p.meta.namespace !== rootNamespace)];
}

/** One compiled rule per `rules[i]`; a policy without rules gets one that never matches. */
function rulesOf(p: Resource<AuthorizationPolicySpec>, prefix: string): CompiledAuthzRule[] {
  const { namespace, name } = p.meta;
  const policy = `${namespace}/${name}`;
  const id = (i: number) => `${prefix}ns[${namespace}]-policy[${name}]-rule[${i}]`;
  const rules = p.spec.rules ?? [];
  if (rules.length === 0) return [{ id: id(0), policy, matches: () => false }];
  return rules.map((rule, i) => ({ id: id(i), policy, matches: compileRule(rule, namespace) }));
}

/** Envoy keeps RBAC policies in a map ordered by name: the first matching name is the one reported. */
function byName(rules: CompiledAuthzRule[]): CompiledAuthzRule[] {
  return rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The CUSTOM policies: one provider per gateway (istiod refuses several), resolved from MeshConfig. Their rules
 * are named with istiod's `istio-ext-authz-` prefix.
 */
function compileCustom(policies: Resource<AuthorizationPolicySpec>[], ctx: AuthzCompileContext) {
  const rules = byName(policies.flatMap((p) => rulesOf(p, "istio-ext-authz-")));
  const names = [...new Set(policies.map((p) => p.spec.provider?.name ?? ""))];
  const provider = names.length > 1
    ? { error: `only 1 provider can be used per workload, found multiple providers: [${names.join(" ")}]` }
    : compileExtAuthzProvider(names[0], ctx.mesh, ctx.services);
  if ("error" in provider) {
    for (const p of policies) {
      ctx.warnings.push(resourceDiagnostic(
        p.meta,
        "warning",
        "spec.provider.name",
        `CUSTOM action cannot be applied, requests it matches are denied: ${provider.error}`,
      ));
    }
  }
  return { rules, provider };
}
