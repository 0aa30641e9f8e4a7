import assert from "node:assert/strict";
import {
  type Diagnostic,
  formatDiagnostic,
  formatPath,
  type Severity,
} from "../../../gateway/config/diagnostics.ts";
import type { RuleContext } from "../../../gateway/config/kind.ts";
import { wasmPluginKind, type WasmPluginSpec } from "../../../gateway/config/kinds/extensions/wasm_plugin.ts";
import { wasmUrlError } from "../../../gateway/config/kinds/extensions/wasm_rules.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import type { ResourceMeta } from "../../../gateway/config/resource.ts";
import { loadYaml } from "../../helpers/config.ts";
import { corpusPath, errorLines, errorRenderings, splitFixture } from "../../helpers/corpus.ts";

const CRDS = "istio-istio/pkg/config/validation/testdata/crds";

function plugin(spec: string, annotations = ""): Diagnostic[] {
  const md = annotations ? `\n  annotations: {${annotations}}` : "";
  return loadYaml(
    `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: wp
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
function webhook(spec: WasmPluginSpec): string[] {
  const out: string[] = [];
  const meta = {
    kind: "WasmPlugin",
    name: "wp",
    namespace: "foo",
    annotations: {},
  } as unknown as ResourceMeta;
  const ctx: RuleContext = {
    meta,
    report: (path, message) => out.push(`${formatPath(["spec", ...path])}: ${message}`),
  };
  wasmPluginKind.rules!(spec, ctx);
  return out;
}

Deno.test("WasmPlugin: CRD fixtures", async (t) => {
  for (const variant of ["valid", "invalid"]) {
    const path = corpusPath(`${CRDS}/wasm-${variant}.yaml`);
    const docs = splitFixture(path, Deno.readTextFileSync(path));
    assert.ok(docs.length > 0);
    for (const doc of docs) {
      await t.step(`wasm-${variant}.yaml:${doc.line} ${doc.name}`, () => {
        const result = loadConfigTexts([{ file: path, text: doc.text }]);
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        if (doc.expectedError === undefined) {
          assert.deepEqual(errorLines(errors), []);
          assert.equal(result.config.wasmPlugins.length, 1);
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

Deno.test("WasmPlugin: dataset and doc snippets load", async (t) => {
  const files = [
    "istio-istio/pkg/test/datasets/validation/dataset/extensions-v1alpha1-WasmPlugin.yaml",
    "istio.io/wasm-module-distribution/wasm-module-distribution-1-basic-auth-wasmplugin.yaml",
  ];
  for (const rel of files) {
    await t.step(rel, () => {
      const result = loadConfigTexts([{ file: rel, text: Deno.readTextFileSync(corpusPath(rel)) }]);
      assert.deepEqual(errorLines(result.diagnostics), []);
      assert.equal(result.config.wasmPlugins.length, 1);
    });
  }
});

Deno.test("WasmPlugin: a plugin loads typed", () => {
  const r = loadYaml(`apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: wp, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
  phase: AUTHZ
  priority: 10
  failStrategy: FAIL_OPEN
  vmConfig: {env: [{name: POD_NAME, valueFrom: HOST}, {name: MODE, value: strict}]}
  match: [{mode: CLIENT_AND_SERVER, ports: [{number: 8080}]}]
  pluginConfig: {realm: ingress}
`);
  assert.deepEqual(errorLines(r.diagnostics), []);
  const spec = r.config.wasmPlugins[0].spec;
  assert.equal(spec.phase, "AUTHZ");
  assert.equal(spec.priority, 10);
  assert.deepEqual(spec.match?.[0].ports, [{ number: 8080 }]);
  assert.deepEqual(spec.pluginConfig, { realm: "ingress" });
});

Deno.test("WasmPlugin: CRD rules", async (t) => {
  const cases: [string, string, string][] = [
    ["selector: {}", "spec.url", "Required value"],
    ["url: 'ftp://example.com/p.wasm'", "spec.url", "url must have schema one of [http, https, file, oci]"],
    [
      "url: oci://r/p\nselector: {matchLabels: {a: b}}\ntargetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]",
      "spec",
      "only one of targetRefs or selector can be set",
    ],
    [
      "url: oci://r/p\nmatch: [{ports: [{number: 80}, {number: 80}]}]",
      "spec.match[0].ports[1]",
      'Duplicate value: {"number":80}',
    ],
    [
      "url: oci://r/p\nmatch: [{ports: [{number: 70000}]}]",
      "spec.match[0].ports[0].number",
      "should be less than or equal to 65535",
    ],
    ["url: oci://r/p\npriority: 1.5", "spec.priority", "must be of type integer: 1.5"],
    [
      "url: oci://r/p\nimagePullSecret: " + "s".repeat(254),
      "spec.imagePullSecret",
      "Too long: may not be more than 253 bytes",
    ],
  ];
  for (const [spec, path, message] of cases) {
    await t.step(message, () => assertFinding(plugin(spec), path, message));
  }
});

Deno.test("WasmPlugin: webhook rules", async (t) => {
  await t.step("targetRef must be to one of ...", () => {
    assertFinding(
      plugin("url: oci://r/p\ntargetRef: {kind: HTTPRoute, group: gateway.networking.k8s.io, name: r}"),
      "spec.targetRef",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
        "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was " +
        "gateway.networking.k8s.io/HTTPRoute",
    );
  });
  await t.step("workload selector specified without labels", () => {
    assertFinding(
      plugin("url: oci://r/p\nselector: {}"),
      "spec.selector",
      "workload selector specified without labels",
      "warning",
    );
  });
  await t.step("istio.io/dry-run is not supported", () => {
    assertFinding(
      plugin("url: oci://r/p", '"istio.io/dry-run": "true"'),
      "spec",
      "foo/wp has unsupported annotation istio.io/dry-run, please remove the annotation",
    );
  });
  await t.step("url checks (validateWasmPluginURL)", () => {
    assert.equal(wasmUrlError(""), "url field needs to be set");
    assert.equal(wasmUrlError("fake://example.com"), "url contains unsupported scheme: fake");
    assert.equal(
      wasmUrlError("#%blah$#@"),
      'failed to parse url: parse "#%blah$#@": invalid URI for request',
    );
    assert.equal(wasmUrlError("test"), undefined);
    assert.equal(wasmUrlError("oci://ghcr.io/a/b:v1"), undefined);
    assert.equal(wasmUrlError("file:///opt/filters/openid.wasm"), undefined);
  });
  await t.step("rules the CRD schema shadows", () => {
    const base = { url: "oci://r/p" };
    assert.deepEqual(webhook({ url: "" }), ["spec.url: url field needs to be set"]);
    assert.deepEqual(webhook({ ...base, sha256: "abc" }), [
      "spec.sha256: sha256 field must be 64 characters long",
    ]);
    assert.deepEqual(webhook({ ...base, sha256: "A".repeat(64) }), [
      "spec.sha256: sha256 field must match [a-f0-9]{64} pattern",
    ]);
    assert.deepEqual(webhook({ ...base, imagePullSecret: "s".repeat(254) }), [
      "spec.imagePullSecret: imagePullSecret field must be less than 253 characters long",
    ]);
    assert.deepEqual(webhook({ ...base, pluginName: "p".repeat(257) }), [
      "spec.pluginName: pluginName field must be less than 255 characters long",
    ]);
    assert.deepEqual(webhook({ ...base, vmConfig: { env: [{ name: "" }] } }), [
      "spec.vmConfig.env[0]: spec.vmConfig.env invalid",
    ]);
    assert.deepEqual(webhook({ ...base, vmConfig: { env: [{ name: "a" }, { name: "a" }] } }), [
      "spec.vmConfig.env[1]: duplicate env",
    ]);
    assert.deepEqual(
      webhook({ ...base, vmConfig: { env: [{ name: "a", valueFrom: "HOST", value: "v" }] } }),
      [
        "spec.vmConfig.env[0]: value may only be set when valueFrom is INLINE",
      ],
    );
    assert.deepEqual(webhook({ ...base, match: [{ ports: [{ number: 80 }, { number: 0 }] }] }), [
      "spec.match[0].ports[1].number: spec.Match[0].Ports[1] is out of range: 0",
    ]);
    assert.deepEqual(
      webhook({
        ...base,
        selector: { matchLabels: { a: "b" } },
        targetRefs: [{ kind: "Service", name: "s" }],
      }),
      [
        "spec: only one of targetRefs or workloadSelector can be set",
      ],
    );
  });
});
