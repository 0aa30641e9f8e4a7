import assert from "node:assert/strict";
import { compileYaml } from "../../helpers/config.ts";
import { evaluateRbac, rbacDenial } from "../../../gateway/security/authz/rbac.ts";
import { attrs, type TestRequest } from "./helpers.ts";

function policy(name: string, spec: string, annotations = ""): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: istio-system${annotations}}
spec:
${spec}
---
`;
}

function decide(yaml: string, ...requests: TestRequest[]): string[] {
  const authz = compileYaml(yaml).authz!;
  return requests.map((r) => {
    const d = evaluateRbac(authz, attrs(r));
    return d.allowed ? "allow" : `deny ${d.policy ?? "none"}`;
  });
}

Deno.test("rbac: an ALLOW policy with spec {} denies everything; rules: [{}] allows everything", () => {
  assert.deepEqual(decide(policy("allow-nothing", "  {}"), {}, { method: "POST" }), [
    "deny none",
    "deny none",
  ]);
  assert.deepEqual(decide(policy("allow-all", "  rules: [{}]"), {}, { method: "POST" }), ["allow", "allow"]);
  assert.deepEqual(
    decide(
      policy("allow-nothing", "  {}") +
        policy("allow-get", "  rules: [{to: [{operation: {methods: [GET]}}]}]"),
      {},
      {
        method: "POST",
      },
    ),
    ["allow", "deny none"],
    "ALLOW policies add up: any matching rule allows",
  );
});

Deno.test("rbac: DENY wins over ALLOW and names the first matching rule in Envoy's name order", () => {
  const yaml = policy("z-deny", "  action: DENY\n  rules: [{to: [{operation: {paths: [/admin*]}}]}]") +
    policy(
      "a-deny",
      "  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}, {to: [{operation: {paths: [/admin/x]}}]}]",
    ) +
    policy("allow-admin", "  rules: [{to: [{operation: {paths: [/admin*, /ip]}}]}]");
  assert.deepEqual(
    decide(yaml, { path: "/admin/x" }, { path: "/admin/y" }, { path: "/ip", method: "DELETE" }, {
      path: "/ip",
    }, { path: "/get" }),
    [
      "deny ns[istio-system]-policy[a-deny]-rule[1]",
      "deny ns[istio-system]-policy[z-deny]-rule[0]",
      "deny ns[istio-system]-policy[a-deny]-rule[0]",
      "allow",
      "deny none",
    ],
  );
});

Deno.test("rbac: only DENY policies: what they do not match is allowed", () => {
  assert.deepEqual(
    decide(policy("deny-get", "  action: DENY\n  rules: [{to: [{operation: {methods: [GET]}}]}]"), {}, {
      method: "POST",
    }),
    ["deny ns[istio-system]-policy[deny-get]-rule[0]", "allow"],
  );
});

Deno.test("rbac: AUDIT and dry-run policies never change the outcome", () => {
  assert.deepEqual(decide(policy("audit", "  action: AUDIT\n  rules: [{}]"), {}), ["allow"]);
  assert.deepEqual(
    decide(
      policy("shadow", "  action: DENY\n  rules: [{}]", `, annotations: {"istio.io/dry-run": "true"}`),
      {},
    ),
    ["allow"],
  );
});

Deno.test("rbac: the denial is Envoy's: 403 'RBAC: access denied' with its response code details", async () => {
  const denial = rbacDenial(undefined);
  assert.equal(denial.details, "rbac_access_denied_matched_policy[none]");
  assert.equal(denial.response.status, 403);
  assert.equal(denial.response.headers.get("server"), "istio-envoy");
  assert.equal(await denial.response.text(), "RBAC: access denied");
  assert.equal(
    rbacDenial("ns[a]-policy[b]-rule[0]").details,
    "rbac_access_denied_matched_policy[ns[a]-policy[b]-rule[0]]",
  );
});
