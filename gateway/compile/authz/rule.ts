/**
 * One AuthorizationPolicy rule as a predicate, as istiod's authz model builds an Envoy RBAC policy from it:
 * `from` sources OR'ed, `to` operations OR'ed, every `when` condition AND'ed; inside a source or operation each
 * field AND'ed; a field's `values` OR'ed and its `notValues` negated (`not any`). An empty rule matches
 * everything.
 * @module
 */
import type { Condition, Operation, Rule, Source } from "../../config/kinds/security/authorization_policy.ts";
import {
  type AttributeTest,
  claimTest,
  namespaceTest,
  principalTest,
  requestPrincipalTest,
  serviceAccountTest,
  trustDomainTest,
} from "./identity.ts";
import { type CidrRange, inRange, type IpAddress, parseCidr } from "./ip.ts";
import { isPathTemplate, pathTemplateTest } from "./path_template.ts";
import type { AuthzAttributes } from "./types.ts";
import { allOf, anyOf, headerTest, stringTest } from "./values.ts";

/** Compiles `rule` of a policy in `policyNamespace` into a predicate on the request attributes. */
export function compileRule(rule: Rule, policyNamespace: string): AttributeTest {
  const parts: AttributeTest[] = [];
  const from = (rule.from ?? []).map((f) => sourceTest(f.source ?? {}, policyNamespace));
  if (from.length > 0) parts.push(anyOf(from));
  const to = (rule.to ?? []).map((t) => operationTest(t.operation ?? {}));
  if (to.length > 0) parts.push(anyOf(to));
  for (const when of rule.when ?? []) parts.push(...conditionTests(when, policyNamespace));
  return allOf(parts);
}

/** `values` OR'ed and `notValues` negated, as one test per present list. */
function field(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  make: (value: string) => AttributeTest,
): AttributeTest[] {
  const out: AttributeTest[] = [];
  if (values && values.length > 0) out.push(anyOf(values.map((v) => make(v))));
  if (notValues && notValues.length > 0) {
    const any = anyOf(notValues.map((v) => make(v)));
    out.push((a) => !any(a));
  }
  return out;
}

/**
 * Like {@link field} for one attribute read once per test: `read` takes it from the request, `make` turns each
 * value into a test on it.
 */
function valueField<T>(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  read: (attrs: AuthzAttributes) => T,
  make: (value: string) => (x: T) => boolean,
): AttributeTest[] {
  const out: AttributeTest[] = [];
  if (values && values.length > 0) {
    const any = anyOf(values.map((v) => make(v)));
    out.push((a) => any(read(a)));
  }
  if (notValues && notValues.length > 0) {
    const any = anyOf(notValues.map((v) => make(v)));
    out.push((a) => !any(read(a)));
  }
  return out;
}

/**
 * Like {@link field} for attributes whose matcher takes the whole value list (request principals, claims): the
 * `notValues` are negated as one matcher.
 */
function listField(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  make: (values: readonly string[]) => AttributeTest,
): AttributeTest[] {
  const out: AttributeTest[] = [];
  if (values && values.length > 0) out.push(make(values));
  if (notValues && notValues.length > 0) {
    const not = make(notValues);
    out.push((a) => !not(a));
  }
  return out;
}

function sourceTest(s: Source, ns: string): AttributeTest {
  return allOf([
    ...field(s.principals, s.notPrincipals, principalTest),
    ...listField(s.requestPrincipals, s.notRequestPrincipals, anyRequestPrincipal),
    ...field(s.serviceAccounts, s.notServiceAccounts, (v) => serviceAccountTest(v, ns)),
    ...field(s.namespaces, s.notNamespaces, namespaceTest),
    ...field(s.trustDomains, s.notTrustDomains, trustDomainTest),
    ...valueField(s.remoteIpBlocks, s.notRemoteIpBlocks, remoteIp, ipTest),
    ...valueField(s.ipBlocks, s.notIpBlocks, sourceIp, ipTest),
  ]);
}

function operationTest(o: Operation): AttributeTest {
  return allOf([
    // Hosts compare case-insensitively: the authority is lowered once, each pattern once.
    ...valueField(o.hosts, o.notHosts, (a) => a.authority.toLowerCase(), (v) => headerTest(v.toLowerCase())),
    ...valueField(o.methods, o.notMethods, (a) => a.method, headerTest),
    ...valueField(o.paths, o.notPaths, (a) => a.path, pathTest),
    ...valueField(o.ports, o.notPorts, (a) => a.destinationPort, portTest),
  ]);
}

/** `paths`: the normalized path without query; `{*}`/`{**}` templates, or exact/prefix/suffix/`*`. */
function pathTest(value: string): (path: string) => boolean {
  return isPathTemplate(value) ? pathTemplateTest(value) : stringTest(value);
}

function portTest(value: string): (port: number) => boolean {
  const port = Number(value);
  return (p) => p === port;
}

function ipTest(value: string): (ip: IpAddress | undefined) => boolean {
  const range: CidrRange | undefined = parseCidr(value);
  if (!range) return () => false;
  return (ip) => ip !== undefined && inRange(ip, range);
}

const sourceIp = (a: AuthzAttributes) => a.sourceIp();
const remoteIp = (a: AuthzAttributes) => a.remoteIp();

function anyRequestPrincipal(values: readonly string[]): AttributeTest {
  return anyOf(values.map(requestPrincipalTest));
}

/** The tests of one `when` condition (validation has already refused unknown keys). */
function conditionTests(c: Condition, ns: string): AttributeTest[] {
  const key = c.key;
  const simple = (make: (value: string) => AttributeTest) => field(c.values, c.notValues, make);
  const read = <T>(from: (a: AuthzAttributes) => T, make: (value: string) => (x: T) => boolean) =>
    valueField(c.values, c.notValues, from, make);
  const claims = (path: readonly string[]) => listField(c.values, c.notValues, (v) => claimTest(path, v));
  switch (key) {
    case "source.ip":
      return read(sourceIp, ipTest);
    case "remote.ip":
      return read(remoteIp, ipTest);
    case "destination.ip":
      return read((a) => a.destinationIp(), ipTest);
    case "destination.port":
      return read((a) => a.destinationPort, portTest);
    case "connection.sni":
      return read((a) => a.sni, (v) => stringTest(v));
    case "source.principal":
      return simple(principalTest);
    case "source.namespace":
      return simple(namespaceTest);
    case "source.serviceAccount":
      return simple((v) => serviceAccountTest(v, ns));
    case "source.trustDomain":
      return simple(trustDomainTest);
    case "request.auth.principal":
      return listField(c.values, c.notValues, anyRequestPrincipal);
    case "request.auth.audiences":
      return claims(["aud"]);
    case "request.auth.presenter":
      return claims(["azp"]);
  }
  if (key.startsWith("request.headers[")) {
    const name = key.slice("request.headers[".length, -1).toLowerCase();
    return read((a) => a.header(name), (v) => headerTest(v));
  }
  if (key.startsWith("request.auth.claims[")) {
    return claims(claimPath(key.slice("request.auth.claims".length)));
  }
  // `experimental.envoy.filters.*[key]` reads another Envoy filter's dynamic metadata; the gateway has none, so
  // the value is absent: `values` never match and `notValues` always do.
  return simple(() => () => false);
}

/** `[a][b]` → `["a", "b"]`; `[a.b]` → `["a.b"]`. */
function claimPath(brackets: string): string[] {
  return brackets.slice(1, -1).split("][");
}
