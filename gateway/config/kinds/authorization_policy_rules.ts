/**
 * istiod's webhook rules for AuthorizationPolicy (`ValidateAuthorizationPolicy` and the attribute checks of
 * pkg/config/security). Empty lists count as unset, as they do once istiod has decoded the resource.
 * @module
 */
import type { FieldPath } from "../diagnostics.ts";
import type { RuleContext } from "../kind.ts";
import type { AuthorizationPolicySpec, Condition, Operation, Rule, Source } from "./authorization_policy.ts";
import { isCidr, isIpAddress } from "./host_rules.ts";
import { validateDryRunAnnotation, validatePolicyTargets } from "./policy_common.ts";

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
      const unsupported = ["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"]
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
  const identity = len(src.principals) + len(src.notPrincipals) + len(src.namespaces) + len(src.notNamespaces);
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
  for (const field of ["ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts"] as const) {
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

/** `notIpBlocks` → `NotIpBlocks`, the Go field name istiod's messages use. */
function goName(field: string): string {
  return field[0].toUpperCase() + field.slice(1);
}

function checkEmptyValues(name: string, values: readonly string[]): string | undefined {
  return values.includes("") ? `empty value not allowed, found in ${name}` : undefined;
}

function checkWildcardValues(name: string, values: readonly string[]): string | undefined {
  const empty = checkEmptyValues(name, values);
  if (empty) return empty;
  for (const v of values) {
    const stars = v.split("*").length - 1;
    if (stars > 1) return `at most one wildcard is allowed, found in ${name}: ${JSON.stringify(v)}`;
    if (stars === 1 && v !== "*" && !v.startsWith("*") && !v.endsWith("*")) {
      return `wildcard is only allowed at the start or end, found in ${name}: ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

function checkTrustDomainValues(name: string, values: readonly string[]): string | undefined {
  const err = checkWildcardValues(name, values);
  if (err) return err;
  const bad = values.find((v) => v.includes("/"));
  return bad === undefined
    ? undefined
    : `trust domain must not contain '/', found in ${name}: ${JSON.stringify(bad)}`;
}

function checkServiceAccount(name: string, values: readonly string[]): string | undefined {
  if (values.length > 16) return "may not have more than 16 values";
  const format = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
  for (const v of values) {
    if (v === "") return `empty value not allowed, found in ${name}`;
    if (v.includes("*")) return `wildcard not allowed, found in ${name}`;
    const slashes = v.split("/").length - 1;
    if (slashes > 1) return `${format}, found ${JSON.stringify(v)} in ${name}`;
    if (v.length > 320) return `value cannot exceed 320 characters, found ${JSON.stringify(v)} in ${name}`;
    if (slashes === 1) {
      const [ns, sa] = v.split("/");
      if (ns === "") return `${format}, found empty namespace ${JSON.stringify(v)} in ${name}`;
      if (sa === "") return `${format}, found empty serviceAccount ${JSON.stringify(v)} in ${name}`;
    }
  }
  return undefined;
}

const VALID_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

function checkValidPathTemplate(name: string, paths: readonly string[]): string | undefined {
  for (const original of paths) {
    const hasTemplate = original.includes("{*}") || original.includes("{**}");
    const path = original.replace(/^\/+|\/+$/g, "");
    let matchAnySeen = false;
    for (const glob of path.split("/")) {
      if ((glob === "{*}" || glob === "{**}") && !matchAnySeen) {
        if (glob === "{**}") matchAnySeen = true;
        continue;
      }
      if (glob === "{*}" || glob === "{**}") {
        return `invalid or unsupported path ${path}, found in ${name}. {**} is not the last operator`;
      }
      if (/[{}]/.test(glob)) {
        return `invalid or unsupported path ${path}, found in ${name}. ` +
          "Contains '{' or '}' beyond a supported path template";
      }
      if (hasTemplate && !VALID_LITERAL.test(glob)) {
        return `invalid or unsupported path ${path}, found in ${name}. Contains segment ${glob} with invalid string literal`;
      }
    }
  }
  return undefined;
}

/** The reason a value is not an IP or CIDR as Go's `netip` parses them, or undefined. */
function ipError(v: string): string | undefined {
  const leadingZero = (ip: string) => !ip.includes(":") && ip.split(".").some((o) => /^0\d/.test(o));
  if (v.includes("/")) {
    const [ip, bits] = v.split("/", 2);
    if (!isCidr(v) || leadingZero(ip) || /^0\d/.test(bits)) {
      return `bad CIDR range (${v}): netip.ParsePrefix(${JSON.stringify(v)}): invalid prefix`;
    }
    return undefined;
  }
  return isIpAddress(v) && !leadingZero(v) ? undefined : `bad IP address (${v})`;
}

function validateIps(values: readonly string[] | undefined, at: FieldPath, ctx: RuleContext): void {
  values?.forEach((v, k) => {
    const err = ipError(v);
    if (err) ctx.report([...at, k], err);
  });
}

function portError(port: string): string | undefined {
  if (!/^\d+$/.test(port)) return `bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`;
  if (Number(port) > 4294967295) {
    return `bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: value out of range`;
  }
  return Number(port) > 65535 ? `bad port (${port}): <nil>` : undefined;
}

function validatePorts(values: readonly string[] | undefined, at: FieldPath, ctx: RuleContext): void {
  values?.forEach((v, k) => {
    const err = portError(v);
    if (err) ctx.report([...at, k], err);
  });
}

function mapKeyError(key: string): string | undefined {
  const open = key.indexOf("[");
  return key.endsWith("]") && open > 0 && open < key.length - 2
    ? undefined
    : `bad key (${key}): should have format a[b]`;
}

/** pkg/config/security `ValidateAttribute`: the `when` keys istiod knows and the values each accepts. */
function validateAttribute(key: string, values: readonly string[]): string | undefined {
  const empty = checkEmptyValues(key, values);
  if (empty) return empty;
  if (key.startsWith("request.headers")) return mapKeyError(key);
  switch (key) {
    case "source.ip":
    case "remote.ip":
    case "destination.ip":
      return values.map(ipError).find((e) => e !== undefined);
    case "source.serviceAccount":
      return checkServiceAccount(key, values);
    case "source.trustDomain":
      return checkWildcardValues(key, values);
    case "destination.port":
      return values.map(portError).find((e) => e !== undefined);
    case "source.namespace":
    case "source.principal":
    case "request.auth.principal":
    case "request.auth.audiences":
    case "request.auth.presenter":
    case "connection.sni":
      return undefined;
    case "destination.namespace":
      return `attribute ${key} is replaced by the metadata.namespace`;
    case "destination.name":
    case "destination.user":
      return `deprecated attribute ${key}: only supported in v1alpha1`;
  }
  if (key.startsWith("request.auth.claims")) return mapKeyError(key);
  if (key.startsWith("experimental.envoy.filters.")) return mapKeyError(key);
  if (key.startsWith("destination.labels")) return `attribute ${key} is replaced by the workload selector`;
  return `unknown attribute: ${key}`;
}
