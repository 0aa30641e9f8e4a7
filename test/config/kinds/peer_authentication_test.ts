import assert from "node:assert/strict";
import {
  peerAuthenticationKind,
  type PeerAuthenticationSpec,
} from "../../../gateway/config/kinds/security/peer_authentication.ts";
import { loadYaml } from "../../helpers/config.ts";
import { errorLines } from "../../helpers/corpus.ts";
import {
  DRY_RUN,
  type RuleCase,
  testCorpusFilesLoad,
  testCrdFixtures,
  testResource,
  testRuleCases,
  webhookFindings,
} from "../../helpers/kind_cases.ts";

const PA = testResource(peerAuthenticationKind, "pa", "foo");

Deno.test("PeerAuthentication: CRD fixtures", (t) => testCrdFixtures(t, peerAuthenticationKind, "peerauth"));

Deno.test("PeerAuthentication: dataset and doc snippets load", (t) =>
  testCorpusFilesLoad(t, peerAuthenticationKind, [
    "istio.io/authn-policy/authn-policy-1-peerauthentication-mesh-strict.yaml",
    "istio.io/authn-policy/authn-policy-2-peerauthentication-workload-port-disable.yaml",
  ], { exactlyOne: true }));

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

Deno.test("PeerAuthentication: CRD rules", (t) =>
  testRuleCases(t, PA, [
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
  ]));

Deno.test("PeerAuthentication: webhook rules", async (t) => {
  const cases: RuleCase[] = [
    [
      "selector: {}\nmtls: {mode: STRICT}",
      "spec.selector",
      "workload selector specified without labels",
      "warning",
    ],
    [
      "mtls: {mode: STRICT}",
      "spec",
      "foo/pa has unsupported annotation istio.io/dry-run, please remove the annotation",
      "error",
      DRY_RUN,
    ],
  ];
  await testRuleCases(t, PA, cases);
  const webhook = (spec: PeerAuthenticationSpec) => webhookFindings(peerAuthenticationKind, PA, spec);
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
