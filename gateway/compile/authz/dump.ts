/**
 * The admin `/config_dump` view of the compiled AuthorizationPolicies: rule names per action, in evaluation
 * order, and the CUSTOM provider.
 * @module
 */
import type { CompiledAuthz, CompiledAuthzRule } from "./types.ts";

/** JSON-ready description of `authz`; undefined when no policy applies. */
export function authzDump(authz: CompiledAuthz | undefined): Record<string, unknown> | undefined {
  if (!authz) return undefined;
  const ids = (rules: readonly CompiledAuthzRule[]) => rules.map((r) => r.id);
  const custom = authz.custom;
  return {
    custom: custom && {
      rules: ids(custom.rules),
      provider: "error" in custom.provider ? { error: custom.provider.error } : {
        name: custom.provider.name,
        cluster: custom.provider.cluster,
        pathPrefix: custom.provider.pathPrefix || undefined,
        timeoutMs: custom.provider.timeoutMs,
        failOpen: custom.provider.failOpen,
        statusOnError: custom.provider.statusOnError,
      },
    },
    deny: ids(authz.deny),
    allow: authz.allow && ids(authz.allow),
    audit: authz.audit.length > 0 ? ids(authz.audit) : undefined,
    dryRun: authz.dryRun.length > 0 ? authz.dryRun : undefined,
  };
}
