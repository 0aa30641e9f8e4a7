/**
 * `security.istio.io` AuthorizationPolicy: the schema of its spec (istio/api security/v1beta1
 * authorization_policy.proto and the CRD's constraints). The webhook's rules are in authorization_policy_rules.ts.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import { validateAuthorizationPolicy } from "./authorization_policy_rules.ts";
import {
  maxItems,
  oneSelectorKind,
  policySelector,
  targetReference,
  targetReferences,
} from "../policy_common.ts";

const strings = z.array(z.string()).optional();
const serviceAccounts = maxItems(z.string().max(320, "Too long: may not be more than 320 bytes"), 16)
  .optional();

const source = z.strictObject({
  principals: strings,
  notPrincipals: strings,
  requestPrincipals: strings,
  notRequestPrincipals: strings,
  namespaces: strings,
  notNamespaces: strings,
  serviceAccounts,
  notServiceAccounts: serviceAccounts,
  ipBlocks: strings,
  notIpBlocks: strings,
  remoteIpBlocks: strings,
  notRemoteIpBlocks: strings,
  trustDomains: strings,
  notTrustDomains: strings,
}).superRefine((s, ctx) => {
  const accounts = s.serviceAccounts !== undefined || s.notServiceAccounts !== undefined;
  const others = [s.principals, s.notPrincipals, s.namespaces, s.notNamespaces].some((v) => v !== undefined);
  if (accounts && others) {
    ctx.addIssue({ code: "custom", message: "Cannot set serviceAccounts with namespaces or principals" });
  }
});

const operation = z.strictObject({
  hosts: strings,
  notHosts: strings,
  ports: strings,
  notPorts: strings,
  methods: strings,
  notMethods: strings,
  paths: strings,
  notPaths: strings,
});

const condition = z.strictObject({
  key: z.string(),
  values: strings,
  notValues: strings,
});

const rule = z.strictObject({
  from: maxItems(z.strictObject({ source: source.optional() }), 512).optional(),
  to: z.array(z.strictObject({ operation: operation.optional() })).optional(),
  when: z.array(condition).optional(),
});

const spec = z.strictObject({
  selector: policySelector.optional(),
  targetRef: targetReference.optional(),
  targetRefs: targetReferences.optional(),
  rules: maxItems(rule, 512).optional(),
  action: z.enum(["ALLOW", "DENY", "AUDIT", "CUSTOM"]).optional(),
  provider: z.strictObject({ name: z.string().optional() }).optional(),
}).superRefine(oneSelectorKind);

/** The AuthorizationPolicy kind. */
export const authorizationPolicyKind = defineKind({
  kind: "AuthorizationPolicy",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
  rules: validateAuthorizationPolicy,
});

/** An AuthorizationPolicy spec as validated. */
export type AuthorizationPolicySpec = z.output<typeof spec>;
/** One rule: `from` sources AND `to` operations AND all `when` conditions. */
export type Rule = z.output<typeof rule>;
/** The peer/request identity a rule matches (`rules[].from[].source`). */
export type Source = z.output<typeof source>;
/** The request a rule matches (`rules[].to[].operation`). */
export type Operation = z.output<typeof operation>;
/** A `when` condition on a request attribute. */
export type Condition = z.output<typeof condition>;
/** The policy action; unset means ALLOW. */
export type AuthorizationAction = NonNullable<AuthorizationPolicySpec["action"]>;
