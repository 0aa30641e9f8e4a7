import assert from "node:assert/strict";
import {
  trafficExtensionKind,
  type TrafficExtensionSpec,
} from "../../../gateway/config/kinds/extensions/traffic_extension.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import { datasetFiles, readCorpusFile } from "../../helpers/corpus.ts";
import {
  DRY_RUN,
  testCorpusFilesLoad,
  testResource,
  testRuleCases,
  webhookFindings,
} from "../../helpers/kind_cases.ts";

const TE = testResource(trafficExtensionKind, "te", "foo");

Deno.test("TrafficExtension: dataset and doc snippets load", async (t) => {
  const [dataset] = datasetFiles(trafficExtensionKind);
  await testCorpusFilesLoad(t, trafficExtensionKind, [
    "istio.io/wasm-modules/wasm-modules-1-basic-auth-trafficextension.yaml",
    // A fragment: readCorpusFile merges it into the snippet above.
    "istio.io/wasm-modules/wasm-modules-2-match-fragment.yaml",
  ], { exactlyOne: true });
  await t.step("the Lua dataset extension is typed", () => {
    const spec =
      loadConfigTexts([{ file: dataset, text: readCorpusFile(dataset) }]).config.trafficExtensions[0].spec;
    assert.equal(spec.phase, "AUTHN");
    assert.match(spec.lua?.inlineCode ?? "", /envoy_on_request/);
    assert.equal(spec.wasm, undefined);
  });
});

Deno.test("TrafficExtension: CRD rules", (t) =>
  testRuleCases(t, TE, [
    ["phase: AUTHN", "spec", "exactly one of wasm or lua must be set"],
    ["wasm: {url: oci://r/p}\nlua: {inlineCode: x}", "spec", "must validate one and only one schema (oneOf)"],
    ["wasm: {url: oci://r/p}\nlua: {inlineCode: x}", "spec", "exactly one of wasm or lua must be set"],
    [
      "selector: {matchLabels: {a: b}}\ntargetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]\nlua: {inlineCode: x}",
      "spec",
      "only one of targetRefs or selector can be set",
    ],
    ["lua: {inlineCode: ''}", "spec.lua.inlineCode", "should be at least 1 chars long"],
    ["lua: {}", "spec.lua.inlineCode", "Required value"],
    ["wasm: {url: 'gopher://x'}", "spec.wasm.url", "url must have schema one of [http, https, file, oci]"],
    ["wasm: {url: oci://r/p, sha256: abc}", "spec.wasm.sha256", "should match '(^$|^[a-f0-9]{64}$)'"],
    [
      "wasm: {url: oci://r/p, vmConfig: {env: [{name: a, valueFrom: HOST, value: v}]}}",
      "spec.wasm.vmConfig.env[0]",
      "value may only be set when valueFrom is INLINE",
    ],
    [
      "phase: UNSPECIFIED_PHASE\nlua: {inlineCode: x}",
      "spec.phase",
      'Unsupported value: "UNSPECIFIED_PHASE": supported values: "UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"',
    ],
    ["lua: {inlineCode: x}\nmatch: [{ports: [{}]}]", "spec.match[0].ports[0].number", "Required value"],
  ]));

Deno.test("TrafficExtension: webhook rules", async (t) => {
  await testRuleCases(t, TE, [
    [
      "lua: {inlineCode: x}\ntargetRefs: [{kind: Pod, name: p}]",
      "spec.targetRefs[0]",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
      "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Pod",
    ],
    [
      "lua: {inlineCode: x}",
      "spec",
      "foo/te has unsupported annotation istio.io/dry-run, please remove the annotation",
      "error",
      DRY_RUN,
    ],
  ]);
  await t.step("rules the CRD schema shadows", () => {
    const webhook = (spec: TrafficExtensionSpec) => webhookFindings(trafficExtensionKind, TE, spec);
    const wasm = { url: "oci://r/p" };
    assert.deepEqual(webhook({}), ["spec: exactly one of wasm or lua must be set"]);
    assert.deepEqual(webhook({ wasm, lua: { inlineCode: "x" } }), [
      "spec: exactly one of wasm or lua must be set",
    ]);
    assert.deepEqual(webhook({ lua: { inlineCode: "" } }), [
      "spec.lua.inlineCode: lua.inlineCode cannot be empty",
    ]);
    assert.deepEqual(webhook({ lua: { inlineCode: "x".repeat(65537) } }), [
      "spec.lua.inlineCode: lua.inlineCode exceeds maximum size of 64KB",
    ]);
    assert.deepEqual(webhook({ wasm: { url: "fake://x" } }), [
      "spec.wasm.url: url contains unsupported scheme: fake",
    ]);
    assert.deepEqual(webhook({ wasm: { ...wasm, pluginName: "p".repeat(257) } }), [
      "spec.wasm.pluginName: pluginName field must be less than 256 characters long",
    ]);
    assert.deepEqual(webhook({ wasm: { ...wasm, sha256: "abc" } }), [
      "spec.wasm.sha256: sha256 field must be 64 characters long",
    ]);
    assert.deepEqual(webhook({ wasm: { ...wasm, vmConfig: { env: [{ name: "a" }, { name: "a" }] } } }), [
      "spec.wasm.vmConfig.env[1]: duplicate env",
    ]);
    assert.deepEqual(webhook({ lua: { inlineCode: "x" }, match: [{ ports: [{ number: 65536 }] }] }), [
      "spec.match[0].ports[0].number: spec.Match[0].Ports[0] is out of range: 65536",
    ]);
  });
});
