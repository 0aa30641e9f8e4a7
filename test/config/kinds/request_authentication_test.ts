import assert from "node:assert/strict";
import {
  jwksUriOf,
  requestAuthenticationKind,
} from "../../../gateway/config/kinds/security/request_authentication.ts";
import { loadYaml } from "../../helpers/config.ts";
import { errorLines } from "../../helpers/corpus.ts";
import {
  DRY_RUN,
  specDiagnostics,
  testCorpusFilesLoad,
  testCrdFixtures,
  testResource,
  testRuleCases,
} from "../../helpers/kind_cases.ts";

const RA = testResource(requestAuthenticationKind, "ra", "foo");

Deno.test("RequestAuthentication: CRD fixtures", (t) =>
  testCrdFixtures(t, requestAuthenticationKind, "reqauth"));

Deno.test("RequestAuthentication: dataset and doc snippets load", (t) =>
  testCorpusFilesLoad(t, requestAuthenticationKind, [
    "istio.io/authn-policy/authn-policy-4-requestauthentication-ingressgateway.yaml",
  ], { exactlyOne: true }));

Deno.test("RequestAuthentication: a JWT rule loads typed; jwks_uri is an alias of jwksUri", () => {
  const r = loadYaml(`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ra, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: testing@secure.istio.io
    jwks_uri: https://raw.githubusercontent.com/istio/istio/master/security/tools/jwt/samples/jwks.json
    fromHeaders: [{name: x-jwt, prefix: "Bearer "}]
    outputClaimToHeaders: [{header: x-sub, claim: sub}]
    timeout: 2s
`);
  assert.deepEqual(errorLines(r.diagnostics), []);
  const rule = r.config.requestAuthentications[0].spec.jwtRules![0];
  assert.equal(
    jwksUriOf(rule),
    "https://raw.githubusercontent.com/istio/istio/master/security/tools/jwt/samples/jwks.json",
  );
  assert.deepEqual(rule.fromHeaders, [{ name: "x-jwt", prefix: "Bearer " }]);
});

const PUBLIC_RSA = '{"keys":[{"kty":"RSA","e":"AQAB","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX"}]}';

Deno.test("RequestAuthentication: CRD rules", (t) =>
  testRuleCases(t, RA, [
    [
      "jwtRules: [{issuer: a, jwksUri: 'ftp://example.com/jwks'}]",
      "spec.jwtRules[0].jwksUri",
      "url must have scheme http:// or https://",
    ],
    [
      `jwtRules: [{issuer: a, jwksUri: 'https://e.com/k', jwks: '${PUBLIC_RSA}'}]`,
      "spec.jwtRules[0]",
      "only one of jwks or jwksUri can be set",
    ],
    [
      "jwtRules: [{issuer: a, timeout: 0s}]",
      "spec.jwtRules[0].timeout",
      "must be a valid duration greater than 1ms",
    ],
    ["jwtRules: [{issuer: ''}]", "spec.jwtRules[0].issuer", "should be at least 1 chars long"],
  ]));

Deno.test("RequestAuthentication: webhook rules", async (t) => {
  await testRuleCases(t, RA, [
    ["jwtRules: [{fromParams: [token]}]", "spec.jwtRules[0]", "issuer or jwksUri must be non-empty string"],
    [
      "jwtRules: [{issuer: a, jwks: 'not json'}]",
      "spec.jwtRules[0].jwks",
      `jwks parse error: failed to unmarshal JWK set: ${jsonError("not json")}`,
    ],
    [
      `jwtRules: [{issuer: a, jwks: '{"keys":[{"kty":"XYZ"}]}'}]`,
      "spec.jwtRules[0].jwks",
      "jwks parse error: failed to parse key #0: invalid key type from JSON (XYZ)",
    ],
    [
      `jwtRules: [{issuer: a, jwks: '{"keys":[{"kty":"RSA","e":"AQAB"}]}'}]`,
      "spec.jwtRules[0].jwks",
      "jwks parse error: failed to parse key #0: required field n is missing",
    ],
    [
      `jwtRules: [{issuer: a, jwks: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'}]`,
      "spec.jwtRules[0].jwks",
      "jwks key at index 0 contains private key material; only public keys are used for verification",
      "warning",
    ],
    [
      "jwtRules: [{issuer: a, timeout: 1500us}]",
      "spec.jwtRules[0].timeout",
      "only durations to ms precision are supported",
    ],
    [
      "targetRef: {kind: Deployment, group: apps, name: d}",
      "spec.targetRef",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
      "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was apps/Deployment",
    ],
    ["selector: {}", "spec.selector", "workload selector specified without labels", "warning"],
    [
      "jwtRules: [{issuer: a}]",
      "spec",
      "foo/ra has unsupported annotation istio.io/dry-run, please remove the annotation",
      "error",
      DRY_RUN,
    ],
  ]);
  await t.step("an inline public JWKS is accepted", () => {
    assert.deepEqual(errorLines(specDiagnostics(RA, `jwtRules: [{issuer: a, jwks: '${PUBLIC_RSA}'}]`)), []);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}
