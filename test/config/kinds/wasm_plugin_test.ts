import assert from "node:assert/strict";
import { wasmPluginKind, type WasmPluginSpec } from "../../../gateway/config/kinds/extensions/wasm_plugin.ts";
import { wasmUrlError } from "../../../gateway/config/kinds/extensions/wasm_rules.ts";
import { loadYaml } from "../../helpers/config.ts";
import { errorLines } from "../../helpers/corpus.ts";
import {
  DRY_RUN,
  testCorpusFilesLoad,
  testCrdFixtures,
  testResource,
  testRuleCases,
  webhookFindings,
} from "../../helpers/kind_cases.ts";

const WP = testResource(wasmPluginKind, "wp", "foo");

Deno.test("WasmPlugin: CRD fixtures", (t) => testCrdFixtures(t, wasmPluginKind, "wasm"));

Deno.test("WasmPlugin: dataset and doc snippets load", (t) =>
  testCorpusFilesLoad(t, wasmPluginKind, [
    "istio.io/wasm-module-distribution/wasm-module-distribution-1-basic-auth-wasmplugin.yaml",
  ], { exactlyOne: true }));

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

Deno.test("WasmPlugin: CRD rules", (t) =>
  testRuleCases(t, WP, [
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
  ]));

Deno.test("WasmPlugin: webhook rules", async (t) => {
  await testRuleCases(t, WP, [
    [
      "url: oci://r/p\ntargetRef: {kind: HTTPRoute, group: gateway.networking.k8s.io, name: r}",
      "spec.targetRef",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
      "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was " +
      "gateway.networking.k8s.io/HTTPRoute",
    ],
    [
      "url: oci://r/p\nselector: {}",
      "spec.selector",
      "workload selector specified without labels",
      "warning",
    ],
    [
      "url: oci://r/p",
      "spec",
      "foo/wp has unsupported annotation istio.io/dry-run, please remove the annotation",
      "error",
      DRY_RUN,
    ],
  ]);
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
    const webhook = (spec: WasmPluginSpec) => webhookFindings(wasmPluginKind, WP, spec);
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
