import assert from "node:assert/strict";
import { compileYaml } from "../helpers/config.ts";

function ra(name: string, namespace: string, spec: string): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}
---
`;
}

const RULE = `  jwtRules: [{issuer: "https://a", jwksUri: "https://a/jwks"}]`;

Deno.test("request authn: root namespace, gateway namespace and selector subset apply; others do not", () => {
  const snap = compileYaml(
    ra("mesh", "istio-system", RULE) +
      ra("sel", "istio-system", `  selector: {matchLabels: {istio: ingressgateway}}\n${RULE}`) +
      ra("miss", "istio-system", `  selector: {matchLabels: {app: other}}\n${RULE}`) +
      ra("elsewhere", "default", RULE) +
      ra(
        "ref",
        "istio-system",
        `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\n${RULE}`,
      ),
  );
  assert.deepEqual(snap.jwtRules?.map((r) => r.source), ["istio-system/mesh#0", "istio-system/sel#0"]);
});

Deno.test("request authn: root-namespace selectors reach gateways of other namespaces, as istiod's lookup does", () => {
  const yaml = ra("mesh", "istio-system", RULE) +
    ra("root-sel", "istio-system", `  selector: {matchLabels: {istio: ingressgateway}}\n${RULE}`) +
    ra("root-miss", "istio-system", `  selector: {matchLabels: {app: other}}\n${RULE}`) +
    ra(
      "root-ref",
      "istio-system",
      `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]\n${RULE}`,
    ) +
    ra("own", "edge", RULE) +
    ra(
      "own-ref",
      "edge",
      `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]\n${RULE}`,
    ) +
    ra("elsewhere", "other", `  selector: {matchLabels: {istio: ingressgateway}}\n${RULE}`);
  const sources = (labels: { istio: string } & Record<string, string>) =>
    compileYaml(yaml, { labels, namespace: "edge" }).jwtRules?.map((r) => r.source);
  assert.deepEqual(sources({ istio: "ingressgateway" }), [
    "istio-system/mesh#0",
    "istio-system/root-sel#0",
    "edge/own#0",
  ]);
  assert.deepEqual(sources({ istio: "ingressgateway", "gateway.networking.k8s.io/gateway-name": "public" }), [
    "istio-system/mesh#0",
    "istio-system/root-sel#0",
    "edge/own#0",
    "edge/own-ref#0",
  ]);
});

Deno.test("request authn: rule fields and defaults", () => {
  const snap = compileYaml(ra(
    "r",
    "istio-system",
    `  jwtRules:
  - issuer: "https://a"
    jwks: '{"keys":[]}'
    audiences: [api]
    fromHeaders: [{name: X-Jwt, prefix: "Bearer "}]
    fromParams: [tok]
    fromCookies: [session]
    outputPayloadToHeader: x-payload
    forwardOriginalToken: true
    timeout: 2s
    spaceDelimitedClaims: [roles, scope]
  - issuer: "https://b"
    jwksUri: "https://b/jwks"`,
  ));
  const [a, b] = snap.jwtRules ?? [];
  assert.deepEqual(a.locations, [
    { kind: "header", name: "x-jwt", prefix: "Bearer " },
    { kind: "param", name: "tok" },
    { kind: "cookie", name: "session" },
  ]);
  assert.deepEqual([a.audiences, a.outputPayloadToHeader, a.forwardOriginalToken, a.timeoutMs], [
    ["api"],
    "x-payload",
    true,
    2000,
  ]);
  assert.deepEqual(b.locations.map((l) => l.kind), ["header", "param"]);
  assert.deepEqual([b.forwardOriginalToken, b.timeoutMs, b.jwksUri], [false, 5000, "https://b/jwks"]);
  assert.deepEqual(a.spaceDelimitedClaims, ["scope", "permission", "roles"], "Istio's two plus the rule's");
  assert.deepEqual(b.spaceDelimitedClaims, ["scope", "permission"]);
  assert.equal(compileYaml("").jwtRules, undefined, "no policy: nothing on the request path");
});
