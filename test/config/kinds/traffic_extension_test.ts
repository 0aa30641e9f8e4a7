import assert from "node:assert/strict";
import {
  type Diagnostic,
  formatDiagnostic,
  formatPath,
  type Severity,
} from "../../../gateway/config/diagnostics.ts";
import type { RuleContext } from "../../../gateway/config/kind.ts";
import {
  trafficExtensionKind,
  type TrafficExtensionSpec,
} from "../../../gateway/config/kinds/extensions/traffic_extension.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import type { ResourceMeta } from "../../../gateway/config/resource.ts";
import { loadYaml } from "../../helpers/config.ts";
import { corpusPath, errorLines, mergeFragment } from "../../helpers/corpus.ts";

function extension(spec: string, annotations = ""): Diagnostic[] {
  const md = annotations ? `\n  annotations: {${annotations}}` : "";
  return loadYaml(
    `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata:
  name: te
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
function webhook(spec: TrafficExtensionSpec): string[] {
  const out: string[] = [];
  const meta = {
    kind: "TrafficExtension",
    name: "te",
    namespace: "foo",
    annotations: {},
  } as unknown as ResourceMeta;
  const ctx: RuleContext = {
    meta,
    report: (path, message) => out.push(`${formatPath(["spec", ...path])}: ${message}`),
  };
  trafficExtensionKind.rules!(spec, ctx);
  return out;
}

Deno.test("TrafficExtension: dataset and doc snippets load", async (t) => {
  const dataset =
    "istio-istio/pkg/test/datasets/validation/dataset/extensions-v1alpha1-TrafficExtension.yaml";
  const doc = "istio.io/wasm-modules/wasm-modules-1-basic-auth-trafficextension.yaml";
  const fragment = "istio.io/wasm-modules/wasm-modules-2-match-fragment.yaml";
  const read = (rel: string) => Deno.readTextFileSync(corpusPath(rel));
  for (
    const [name, text] of [[dataset, read(dataset)], [doc, read(doc)], [
      fragment,
      mergeFragment(read(fragment), read(doc)),
    ]]
  ) {
    await t.step(name, () => {
      const result = loadConfigTexts([{ file: name, text }]);
      assert.deepEqual(errorLines(result.diagnostics), []);
      assert.equal(result.config.trafficExtensions.length, 1);
    });
  }
  await t.step("the Lua dataset extension is typed", () => {
    const spec = loadConfigTexts([{ file: dataset, text: read(dataset) }]).config.trafficExtensions[0].spec;
    assert.equal(spec.phase, "AUTHN");
    assert.match(spec.lua?.inlineCode ?? "", /envoy_on_request/);
    assert.equal(spec.wasm, undefined);
  });
});

Deno.test("TrafficExtension: CRD rules", async (t) => {
  const cases: [string, string, string][] = [
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
  ];
  for (const [spec, path, message] of cases) {
    await t.step(`${message} (${spec.split("\n")[0]})`, () => assertFinding(extension(spec), path, message));
  }
});

Deno.test("TrafficExtension: webhook rules", async (t) => {
  await t.step("targetRef must be to one of ...", () => {
    assertFinding(
      extension("lua: {inlineCode: x}\ntargetRefs: [{kind: Pod, name: p}]"),
      "spec.targetRefs[0]",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
        "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Pod",
    );
  });
  await t.step("istio.io/dry-run is not supported", () => {
    assertFinding(
      extension("lua: {inlineCode: x}", '"istio.io/dry-run": "true"'),
      "spec",
      "foo/te has unsupported annotation istio.io/dry-run, please remove the annotation",
    );
  });
  await t.step("rules the CRD schema shadows", () => {
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
