import assert from "node:assert/strict";
import {
  type Diagnostic,
  formatDiagnostic,
  formatPath,
  type Severity,
} from "../../../gateway/config/diagnostics.ts";
import type { RuleContext } from "../../../gateway/config/kind.ts";
import {
  peerAuthenticationKind,
  type PeerAuthenticationSpec,
} from "../../../gateway/config/kinds/security/peer_authentication.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import type { ResourceMeta } from "../../../gateway/config/resource.ts";
import { loadYaml } from "../../helpers/config.ts";
import { corpusPath, errorLines, errorRenderings, splitFixture } from "../../helpers/corpus.ts";

const CRDS = "istio-istio/pkg/config/validation/testdata/crds";

function peerAuthn(spec: string, annotations = ""): Diagnostic[] {
  const md = annotations ? `\n  annotations: {${annotations}}` : "";
  return loadYaml(
    `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa
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

/** Runs the webhook rules alone on a spec (for rules the CRD schema would shadow), as `spec.<path>: message`. */
function webhook(spec: PeerAuthenticationSpec): string[] {
  const out: string[] = [];
  const meta = {
    kind: "PeerAuthentication",
    name: "pa",
    namespace: "foo",
    annotations: {},
  } as unknown as ResourceMeta;
  const ctx: RuleContext = {
    meta,
    report: (path, message) => out.push(`${formatPath(["spec", ...path])}: ${message}`),
  };
  peerAuthenticationKind.rules!(spec, ctx);
  return out;
}

Deno.test("PeerAuthentication: CRD fixtures", async (t) => {
  for (const variant of ["valid", "invalid"]) {
    const path = corpusPath(`${CRDS}/peerauth-${variant}.yaml`);
    const docs = splitFixture(path, Deno.readTextFileSync(path));
    assert.ok(docs.length > 0);
    for (const doc of docs) {
      await t.step(`peerauth-${variant}.yaml ${doc.name}`, () => {
        const result = loadConfigTexts([{ file: path, text: doc.text }]);
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        if (doc.expectedError === undefined) {
          assert.deepEqual(errorLines(errors), []);
          assert.equal(result.config.peerAuthentications.length, 1);
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

Deno.test("PeerAuthentication: dataset and doc snippets load", async (t) => {
  const files = [
    "istio-istio/pkg/test/datasets/validation/dataset/security-v1-PeerAuthentication.yaml",
    "istio-istio/pkg/test/datasets/validation/dataset/security-v1beta1-PeerAuthentication.yaml",
    "istio.io/authn-policy/authn-policy-1-peerauthentication-mesh-strict.yaml",
    "istio.io/authn-policy/authn-policy-2-peerauthentication-workload-port-disable.yaml",
  ];
  for (const rel of files) {
    await t.step(rel, () => {
      const result = loadConfigTexts([{ file: rel, text: Deno.readTextFileSync(corpusPath(rel)) }]);
      assert.deepEqual(errorLines(result.diagnostics), []);
      assert.equal(result.config.peerAuthentications.length, 1);
    });
  }
});

Deno.test("PeerAuthentication: port-level modes load keyed by port", () => {
  const r = loadYaml(`apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: pa, namespace: foo}
spec:
  selector: {matchLabels: {app: a}}
  mtls: {mode: STRICT}
  portLevelMtls:
    8080: {mode: DISABLE}
`);
  assert.deepEqual(errorLines(r.diagnostics), []);
  const spec = r.config.peerAuthentications[0].spec;
  assert.equal(spec.mtls?.mode, "STRICT");
  assert.deepEqual(spec.portLevelMtls, { "8080": { mode: "DISABLE" } });
});

Deno.test("PeerAuthentication: CRD rules", async (t) => {
  const cases: [string, string, string][] = [
    ["portLevelMtls: {'80': {mode: STRICT}}", "spec", "portLevelMtls requires selector"],
    [
      "selector: {matchLabels: {a: b}}\nportLevelMtls: {}",
      "spec.portLevelMtls",
      "should have at least 1 properties",
    ],
    [
      "selector: {matchLabels: {a: b}}\nportLevelMtls: {'65536': {}}",
      "spec.portLevelMtls",
      "port must be between 1-65535",
    ],
    [
      "selector: {matchLabels: {a: b}}\nportLevelMtls: {http: {}}",
      "spec.portLevelMtls",
      `type conversion error from 'string' to 'int' (key "http") evaluating rule: port must be between 1-65535`,
    ],
    [
      "mtls: {mode: BLAH}",
      "spec.mtls.mode",
      'Unsupported value: "BLAH": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
    ],
    ["selector: {matchLabels: {'': b}}", "spec.selector.matchLabels", "key must not be empty"],
  ];
  for (const [spec, path, message] of cases) {
    await t.step(message, () => assertFinding(peerAuthn(spec), path, message));
  }
});

Deno.test("PeerAuthentication: webhook rules", async (t) => {
  await t.step("workload selector specified without labels", () => {
    assertFinding(
      peerAuthn("selector: {}\nmtls: {mode: STRICT}"),
      "spec.selector",
      "workload selector specified without labels",
      "warning",
    );
  });
  await t.step("istio.io/dry-run is not supported", () => {
    assertFinding(
      peerAuthn("mtls: {mode: STRICT}", '"istio.io/dry-run": "true"'),
      "spec",
      "foo/pa has unsupported annotation istio.io/dry-run, please remove the annotation",
    );
  });
  await t.step("mesh/namespace peer authentication cannot have port level mTLS", () => {
    assert.deepEqual(webhook({ portLevelMtls: { "80": { mode: "STRICT" } } }), [
      "spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS",
    ]);
  });
  await t.step("port level mTLS, if defined, must have at least one element", () => {
    assert.deepEqual(webhook({ selector: { matchLabels: { a: "b" } }, portLevelMtls: {} }), [
      "spec.portLevelMtls: port level mTLS, if defined, must have at least one element",
    ]);
  });
  await t.step("port must be in range 1..65535", () => {
    assert.deepEqual(webhook({ selector: { matchLabels: { a: "b" } }, portLevelMtls: { "0": {} } }), [
      'spec.portLevelMtls["0"]: port must be in range 1..65535',
    ]);
  });
  await t.step("wildcard is not supported in selector", () => {
    assert.deepEqual(webhook({ selector: { matchLabels: { "a*": "b" } } }), [
      'spec.selector.matchLabels["a*"]: wildcard is not supported in selector: "a*=b"',
    ]);
  });
});
