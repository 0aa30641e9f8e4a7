import assert from "node:assert/strict";
import {
  type AttachablePolicy,
  attachedPolicies,
  type AttachmentRules,
  isNamespaceWide,
} from "../../gateway/compile/policy_attachment.ts";
import type { GatewayIdentity } from "../../gateway/compile/listeners.ts";
import type { PolicyTargets, TargetReference } from "../../gateway/config/kinds/policy_common.ts";

const ROOT = "istio-system";
const GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";

/** AuthorizationPolicy, RequestAuthentication, WasmPlugin, TrafficExtension. */
const MESH_WIDE_SELECTORS: AttachmentRules = {
  rootNamespace: ROOT,
  rootSelectorsMeshWide: true,
  namespaceWide: "every",
};
/** Telemetry. */
const TELEMETRY: AttachmentRules = {
  rootNamespace: ROOT,
  rootSelectorsMeshWide: false,
  namespaceWide: "oldest",
};

const CLASSIC: GatewayIdentity = { labels: { istio: "ingressgateway", app: "gw" }, namespace: "edge" };
const GATEWAY_API: GatewayIdentity = {
  labels: { istio: "ingressgateway", [GATEWAY_NAME]: "public" },
  namespace: "edge",
};

let order = 0;

function policy(
  name: string,
  namespace: string,
  spec: PolicyTargets = {},
  created?: string,
): AttachablePolicy {
  return {
    meta: {
      kind: "AuthorizationPolicy",
      apiVersion: "security.istio.io/v1",
      name,
      namespace,
      labels: {},
      annotations: {},
      creationTimestamp: created,
      order: order++,
      source: { file: "test.yaml", document: order, line: 1, col: 1 },
    },
    spec,
  };
}

function gatewayRef(name: string, extra: Partial<TargetReference> = {}): TargetReference {
  return { group: "gateway.networking.k8s.io", kind: "Gateway", name, ...extra };
}

function attached(
  policies: readonly AttachablePolicy[],
  identity: GatewayIdentity,
  rules = MESH_WIDE_SELECTORS,
): string[] {
  return attachedPolicies(policies, identity, rules).map((p) => `${p.meta.namespace}/${p.meta.name}`);
}

Deno.test("policy attachment: a selector attaches when its labels are a subset of the gateway's", () => {
  const policies = [
    policy("one-label", "edge", { selector: { matchLabels: { app: "gw" } } }),
    policy("all-labels", "edge", { selector: { matchLabels: { app: "gw", istio: "ingressgateway" } } }),
    policy("other-value", "edge", { selector: { matchLabels: { app: "other" } } }),
    policy("extra-label", "edge", { selector: { matchLabels: { app: "gw", version: "v1" } } }),
    policy("inherited-name", "edge", { selector: { matchLabels: { toString: "x" } } }),
  ];
  assert.deepEqual(attached(policies, CLASSIC), ["edge/one-label", "edge/all-labels"]);
});

Deno.test("policy attachment: no selector, an empty selector or empty matchLabels cover the namespace", () => {
  const specs: PolicyTargets[] = [{}, { selector: {} }, { selector: { matchLabels: {} } }, {
    targetRefs: [],
  }];
  const policies = specs.map((spec, i) => policy(`p${i}`, "edge", spec));
  assert.deepEqual(attached(policies, CLASSIC), ["edge/p0", "edge/p1", "edge/p2", "edge/p3"]);
  assert.deepEqual(attached(policies, GATEWAY_API), ["edge/p0", "edge/p1", "edge/p2", "edge/p3"]);
  assert.ok(specs.every(isNamespaceWide));
  assert.equal(isNamespaceWide({ selector: { matchLabels: { app: "gw" } } }), false);
  assert.equal(isNamespaceWide({ targetRef: gatewayRef("public") }), false);
});

Deno.test("policy attachment: targetRef names a Gateway API gateway by its gateway-name label", () => {
  const policies = [
    policy("single", "edge", { targetRef: gatewayRef("public") }),
    policy("own-namespace-spelled", "edge", { targetRef: gatewayRef("public", { namespace: "edge" }) }),
    policy("empty-namespace", "edge", { targetRef: gatewayRef("public", { namespace: "" }) }),
    policy("other-gateway", "edge", { targetRef: gatewayRef("private") }),
    policy("other-namespace-ref", "edge", { targetRef: gatewayRef("public", { namespace: "other" }) }),
  ];
  assert.deepEqual(attached(policies, GATEWAY_API), [
    "edge/single",
    "edge/own-namespace-spelled",
    "edge/empty-namespace",
  ]);
  assert.deepEqual(attached(policies, CLASSIC), [], "a classic gateway ignores targetRef policies");
});

Deno.test("policy attachment: a targetRef to anything but a Gateway API Gateway never selects a gateway", () => {
  const refs: TargetReference[] = [
    { group: "networking.istio.io", kind: "Gateway", name: "public" },
    { kind: "Gateway", name: "public" },
    { group: "gateway.networking.k8s.io", kind: "GatewayClass", name: "public" },
    { kind: "Service", name: "public" },
    { group: "networking.istio.io", kind: "ServiceEntry", name: "public" },
  ];
  const policies = refs.map((ref, i) => policy(`ref${i}`, "edge", { targetRef: ref }));
  assert.deepEqual(attached(policies, GATEWAY_API), []);
  assert.deepEqual(attached(policies, CLASSIC), []);
});

Deno.test("policy attachment: targetRefs attach when any entry names the gateway and replace targetRef", () => {
  const policies = [
    policy("list", "edge", { targetRefs: [gatewayRef("private"), gatewayRef("public")] }),
    policy("list-misses", "edge", {
      targetRefs: [gatewayRef("private"), { kind: "Service", name: "public" }],
    }),
    policy("list-wins", "edge", { targetRefs: [gatewayRef("private")], targetRef: gatewayRef("public") }),
    policy("empty-list", "edge", { targetRefs: [], targetRef: gatewayRef("public") }),
  ];
  assert.deepEqual(attached(policies, GATEWAY_API), ["edge/list", "edge/empty-list"]);
});

Deno.test("policy attachment: a Gateway API gateway without targetRefs falls back to the selector", () => {
  const policies = [
    policy("selects", "edge", { selector: { matchLabels: { istio: "ingressgateway" } } }),
    policy("misses", "edge", { selector: { matchLabels: { app: "gw" } } }),
  ];
  assert.deepEqual(attached(policies, GATEWAY_API), ["edge/selects"]);
});

Deno.test("policy attachment: namespace-wide root-namespace policies are mesh-wide; targetRefs stay local", () => {
  const policies = [
    policy("mesh", ROOT),
    policy("root-ref", ROOT, { targetRefs: [gatewayRef("public")] }),
  ];
  for (const rules of [MESH_WIDE_SELECTORS, TELEMETRY]) {
    assert.deepEqual(attached(policies, GATEWAY_API, rules), ["istio-system/mesh"]);
    assert.deepEqual(attached(policies, CLASSIC, rules), ["istio-system/mesh"]);
    assert.deepEqual(attached(policies, { ...GATEWAY_API, namespace: ROOT }, rules), [
      "istio-system/mesh",
      "istio-system/root-ref",
    ]);
  }
});

Deno.test("policy attachment: policies of other namespaces never apply", () => {
  const policies = [
    policy("wide", "other"),
    policy("selects", "other", { selector: { matchLabels: { app: "gw" } } }),
    policy("refs", "other", { targetRefs: [gatewayRef("public")] }),
  ];
  for (const rules of [MESH_WIDE_SELECTORS, TELEMETRY]) {
    assert.deepEqual(attached(policies, CLASSIC, rules), []);
    assert.deepEqual(attached(policies, GATEWAY_API, rules), []);
  }
});

Deno.test("policy attachment: rootSelectorsMeshWide decides whether root-namespace selectors reach other namespaces", () => {
  const policies = [
    policy("root-selects", ROOT, { selector: { matchLabels: { istio: "ingressgateway" } } }),
    policy("root-misses", ROOT, { selector: { matchLabels: { app: "other" } } }),
  ];
  assert.deepEqual(attached(policies, CLASSIC, MESH_WIDE_SELECTORS), ["istio-system/root-selects"]);
  const ownNamespaceOnly = { ...MESH_WIDE_SELECTORS, rootSelectorsMeshWide: false };
  assert.deepEqual(attached(policies, CLASSIC, ownNamespaceOnly), []);
  assert.deepEqual(attached(policies, { ...CLASSIC, namespace: ROOT }, ownNamespaceOnly), [
    "istio-system/root-selects",
  ]);
});

Deno.test("policy attachment: namespaceWide 'oldest' keeps one namespace-wide policy per namespace", () => {
  const policies = [
    policy("root-new", ROOT, {}, "2026-01-03T00:00:00Z"),
    policy("root-old", ROOT, {}, "2026-01-01T00:00:00Z"),
    policy("edge-new", "edge", { selector: {} }, "2026-01-02T00:00:00Z"),
    policy("edge-selects", "edge", { selector: { matchLabels: { app: "gw" } } }, "2026-01-05T00:00:00Z"),
    policy("edge-old", "edge", {}, "2026-01-01T00:00:00Z"),
    policy("edge-selects-too", "edge", { selector: { matchLabels: { istio: "ingressgateway" } } }),
  ];
  assert.deepEqual(attached(policies, CLASSIC, TELEMETRY), [
    "istio-system/root-old",
    "edge/edge-selects",
    "edge/edge-old",
    "edge/edge-selects-too",
  ]);
  assert.deepEqual(attached(policies, CLASSIC, { ...TELEMETRY, namespaceWide: "every" }), [
    "istio-system/root-new",
    "istio-system/root-old",
    "edge/edge-new",
    "edge/edge-selects",
    "edge/edge-old",
    "edge/edge-selects-too",
  ]);
});

Deno.test("policy attachment: an empty rootNamespace makes no namespace mesh-wide", () => {
  const policies = [policy("mesh", ROOT), policy("own", "edge")];
  assert.deepEqual(attached(policies, CLASSIC, { ...MESH_WIDE_SELECTORS, rootNamespace: "" }), ["edge/own"]);
});
