import assert from "node:assert/strict";
import { type Diagnostic, formatDiagnostic, type Severity } from "../../../gateway/config/diagnostics.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import { jwksUriOf } from "../../../gateway/config/kinds/security/request_authentication.ts";
import { loadYaml } from "../../helpers/config.ts";
import { corpusPath, errorLines, errorRenderings, splitFixture } from "../../helpers/corpus.ts";

const CRDS = "istio-istio/pkg/config/validation/testdata/crds";

function requestAuthn(spec: string, annotations = ""): Diagnostic[] {
  const md = annotations ? `\n  annotations: {${annotations}}` : "";
  return loadYaml(
    `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: ra
  namespace: foo${md}
spec:
${spec.replace(/^/gm, "  ")}
`,
  ).diagnostics;
}

function assertFinding(ds: Diagnostic[], path: string, message: string, severity: Severity = "error"): void {
  assert.ok(
    ds.some((d) => d.path === path && d.message === message && d.severity === severity),
    `expected ${severity} at ${path}: ${message}\ngot:\n${ds.map(formatDiagnostic).join("\n")}`,
  );
}

Deno.test("RequestAuthentication: CRD fixtures", async (t) => {
  for (const variant of ["valid", "invalid"]) {
    const path = corpusPath(`${CRDS}/reqauth-${variant}.yaml`);
    const docs = splitFixture(path, Deno.readTextFileSync(path));
    assert.ok(docs.length > 0);
    for (const doc of docs) {
      await t.step(`reqauth-${variant}.yaml ${doc.name}`, () => {
        const result = loadConfigTexts([{ file: path, text: doc.text }]);
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        if (doc.expectedError === undefined) {
          assert.deepEqual(errorLines(errors), []);
          assert.equal(result.config.requestAuthentications.length, 1);
        } else {
          const want = doc.expectedError;
          assert.ok(
            errors.some((d) => errorRenderings(d).some((s) => s.includes(want))),
            `expected ${JSON.stringify(want)} in:\n${errorLines(errors).join("\n")}`,
          );
        }
      });
    }
  }
});

Deno.test("RequestAuthentication: dataset and doc snippets load", async (t) => {
  const files = [
    "istio-istio/pkg/test/datasets/validation/dataset/security-v1-RequestAuthentication.yaml",
    "istio-istio/pkg/test/datasets/validation/dataset/security-v1beta1-RequestAuthentication.yaml",
    "istio.io/authn-policy/authn-policy-4-requestauthentication-ingressgateway.yaml",
  ];
  for (const rel of files) {
    await t.step(rel, () => {
      const result = loadConfigTexts([{ file: rel, text: Deno.readTextFileSync(corpusPath(rel)) }]);
      assert.deepEqual(errorLines(result.diagnostics), []);
      assert.equal(result.config.requestAuthentications.length, 1);
    });
  }
});

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

Deno.test("RequestAuthentication: CRD rules", async (t) => {
  const cases: [string, string, string][] = [
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
  ];
  for (const [spec, path, message] of cases) {
    await t.step(message, () => assertFinding(requestAuthn(spec), path, message));
  }
});

Deno.test("RequestAuthentication: webhook rules", async (t) => {
  const cases: [string, string, string, Severity?][] = [
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
  ];
  for (const [spec, path, message, severity] of cases) {
    await t.step(message, () => assertFinding(requestAuthn(spec), path, message, severity));
  }
  await t.step("an inline public JWKS is accepted", () => {
    assert.deepEqual(errorLines(requestAuthn(`jwtRules: [{issuer: a, jwks: '${PUBLIC_RSA}'}]`)), []);
  });
  await t.step("istio.io/dry-run is not supported", () => {
    assertFinding(
      requestAuthn("jwtRules: [{issuer: a}]", '"istio.io/dry-run": "true"'),
      "spec",
      "foo/ra has unsupported annotation istio.io/dry-run, please remove the annotation",
    );
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
