/**
 * istiod's webhook rules for AuthorizationPolicy (`ValidateAuthorizationPolicy` and the attribute checks of
 * pkg/config/security). Empty lists count as unset, as they do once istiod has decoded the resource.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import type { AuthorizationPolicySpec, Condition, Operation, Rule, Source } from "./authorization_policy.ts";
import {
  checkEmptyValues,
  checkServiceAccount,
  checkTrustDomainValues,
  checkValidPathTemplate,
  goName,
  ipError,
  portError,
  validateAttribute,
} from "./authorization_values.ts";
import { validateDryRunAnnotation, validatePolicyTargets } from "../policy_common.ts";

const CUSTOM_UNSUPPORTED_SOURCES: readonly [keyof Source, string][] = [
  ["namespaces", "From.Namespaces"],
  ["notNamespaces", "From.NotNamespaces"],
  ["serviceAccounts", "From.ServiceAccounts"],
  ["notServiceAccounts", "From.NotServiceAccounts"],
  ["trustDomains", "From.TrustDomains"],
  ["notTrustDomains", "From.NotTrustDomains"],
  ["principals", "From.Principals"],
  ["notPrincipals", "From.NotPrincipals"],
  ["requestPrincipals", "From.RequestPrincipals"],
  ["notRequestPrincipals", "From.NotRequestPrincipals"],
];

const NEVER_TRIGGERED = "without `rules` is meaningless as it will never be triggered, " +
  "add an empty rule `{}` if you want it be triggered for every request";

/** istiod's `ValidateAuthorizationPolicy`. */
export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec, ctx: RuleContext): void {
  const action = spec.action ?? "ALLOW";
  validateDryRunAnnotation(ctx, action);
  validatePolicyTargets(spec, ctx);
  const rules = spec.rules ?? [];
  if (action === "CUSTOM") validateCustom(spec, rules, ctx);
  if (spec.provider !== undefined && action !== "CUSTOM") {
    ctx.report(["provider"], `\`provider\` must not be with non CUSTOM action, found ${action}`);
  }
  if (action === "DENY" && rules.length === 0) ctx.report(["action"], `DENY action ${NEVER_TRIGGERED}`);
  rules.forEach((rule, i) => validateRule(rule, i, action, ctx));
}

function validateCustom(spec: AuthorizationPolicySpec, rules: readonly Rule[], ctx: RuleContext): void {
  if (rules.length === 0) ctx.report(["action"], `CUSTOM action ${NEVER_TRIGGERED}`);
  else if (!spec.provider?.name) ctx.report(["provider"], "`provider.name` must not be empty");
  rules.forEach((rule, i) => {
    rule.from?.forEach((from, j) => {
      const src = from.source;
      if (src === undefined) return;
      for (const [field, name] of CUSTOM_UNSUPPORTED_SOURCES) {
        if ((src[field]?.length ?? 0) > 0) {
          ctx.report(
            ["rules", i, "from", j, "source", field],
            `${name} is currently not supported with CUSTOM action`,
          );
        }
      }
    });
    rule.when?.forEach((when, k) => {
      const key = when.key;
      const unsupported =
        ["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"]
          .includes(key) || key.startsWith("request.auth.");
      if (unsupported) {
        ctx.report(["rules", i, "when", k, "key"], `${key} is currently not supported with CUSTOM action`);
      }
    });
  });
}

function validateRule(rule: Rule, i: number, action: string, ctx: RuleContext): void {
  const at = ["rules", i] as const;
  let fromExists = false, toExists = false, tcpInFrom = false, tcpInTo = false;
  rule.from?.forEach((from, j) => {
    if (from.source === undefined) {
      ctx.report([...at, "from", j], `\`from.source\` must not be nil, found at rule ${i}`);
      return;
    }
    fromExists = true;
    if (validateSource(from.source, [...at, "from", j, "source"], i, ctx)) tcpInFrom = true;
  });
  rule.to?.forEach((to, j) => {
    if (to.operation === undefined) {
      ctx.report([...at, "to", j], `\`to.operation\` must not be nil, found at rule ${i}`);
      return;
    }
    toExists = true;
    if (validateOperation(to.operation, [...at, "to", j, "operation"], i, ctx)) tcpInTo = true;
  });
  rule.when?.forEach((when, k) => validateCondition(when, [...at, "when", k], ctx));
  if (action === "DENY" && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
    ctx.report(
      at,
      "configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only " +
        "HTTP attributes in a DENY rule; it is recommended to explicitly specify the port",
      "warning",
    );
  }
}

const len = (v?: readonly string[]) => v?.length ?? 0;

/** Checks one source; returns whether it uses attributes that TCP traffic has. */
function validateSource(src: Source, at: FieldPath, i: number, ctx: RuleContext): boolean {
  const identity = len(src.principals) + len(src.notPrincipals) + len(src.namespaces) +
    len(src.notNamespaces);
  if (identity > 0 && len(src.serviceAccounts) + len(src.notServiceAccounts) > 0) {
    ctx.report(at, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
  }
  if (Object.values(src).every((v) => len(v) === 0)) {
    ctx.report(at, `\`from.source\` must not be empty, found at rule ${i}`);
  }
  for (const field of ["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"] as const) {
    validateIps(src[field], [...at, field], ctx);
  }
  const checks: [keyof Source, (name: string, values: readonly string[]) => string | undefined][] = [
    ["principals", checkEmptyValues],
    ["requestPrincipals", checkEmptyValues],
    ["namespaces", checkEmptyValues],
    ["serviceAccounts", checkServiceAccount],
    ["trustDomains", checkTrustDomainValues],
    ["ipBlocks", checkEmptyValues],
    ["remoteIpBlocks", checkEmptyValues],
    ["notPrincipals", checkEmptyValues],
    ["notRequestPrincipals", checkEmptyValues],
    ["notNamespaces", checkEmptyValues],
    ["notServiceAccounts", checkServiceAccount],
    ["notTrustDomains", checkTrustDomainValues],
    ["notIpBlocks", checkEmptyValues],
    ["notRemoteIpBlocks", checkEmptyValues],
  ];
  for (const [field, check] of checks) {
    const err = check(goName(field), src[field] ?? []);
    if (err) ctx.report([...at, field], err);
  }
  const tcpFields = [
    "principals",
    "notPrincipals",
    "ipBlocks",
    "notIpBlocks",
    "namespaces",
    "notNamespaces",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
    "serviceAccounts",
    "notServiceAccounts",
  ] as const;
  return tcpFields.some((f) => len(src[f]) > 0);
}

/** Checks one operation; returns whether it names ports. */
function validateOperation(op: Operation, at: FieldPath, i: number, ctx: RuleContext): boolean {
  if (Object.values(op).every((v) => len(v) === 0)) {
    ctx.report(at, `\`to.operation\` must not be empty, found at rule ${i}`);
  }
  validatePorts(op.ports, [...at, "ports"], ctx);
  validatePorts(op.notPorts, [...at, "notPorts"], ctx);
  for (
    const field of [
      "ports",
      "methods",
      "paths",
      "hosts",
      "notPorts",
      "notMethods",
      "notPaths",
      "notHosts",
    ] as const
  ) {
    const err = checkEmptyValues(goName(field), op[field] ?? []);
    if (err) ctx.report([...at, field], err);
  }
  for (const field of ["paths", "notPaths"] as const) {
    const err = checkValidPathTemplate(goName(field), op[field] ?? []);
    if (err) ctx.report([...at, field], err);
  }
  return len(op.ports) + len(op.notPorts) > 0;
}

function validateCondition(when: Condition, at: FieldPath, ctx: RuleContext): void {
  const key = when.key;
  if (key === "") {
    ctx.report([...at, "key"], "`key` must not be empty");
    return;
  }
  if (len(when.values) === 0 && len(when.notValues) === 0) {
    ctx.report(at, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    return;
  }
  const err = validateAttribute(key, when.values ?? []);
  if (err) ctx.report([...at, "values"], `invalid \`value\` for \`key\` ${key}: ${err}`);
  const notErr = validateAttribute(key, when.notValues ?? []);
  if (notErr) ctx.report([...at, "notValues"], `invalid \`notValue\` for \`key\` ${key}: ${notErr}`);
}

function validateIps(values: readonly string[] | undefined, at: FieldPath, ctx: RuleContext): void {
  values?.forEach((v, k) => {
    const err = ipError(v);
    if (err) ctx.report([...at, k], err);
  });
}

function validatePorts(values: readonly string[] | undefined, at: FieldPath, ctx: RuleContext): void {
  values?.forEach((v, k) => {
    const err = portError(v);
    if (err) ctx.report([...at, k], err);
  });
}
