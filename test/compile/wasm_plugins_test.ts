import assert from "node:assert/strict";
import { selectWasmPlugins, wasmChainForPort } from "../../gateway/compile/wasm_plugins.ts";
import { DEFAULT_IDENTITY, errorsOf, loadYaml } from "../helpers/config.ts";
import { corpusPath } from "../helpers/corpus.ts";

const LUA_SAMPLE =
  "istio-istio/pkg/test/datasets/validation/dataset/extensions-v1alpha1-TrafficExtension.yaml";

function plugin(name: string, namespace: string, spec: string, created = "2026-01-01T00:00:00Z"): string {
  return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ${name}, namespace: ${namespace}, creationTimestamp: "${created}"}
spec:
  url: file:///filters/${name}.wasm
${spec}
---
`;
}

function chain(yaml: string, port = 80, identity = DEFAULT_IDENTITY): string[] {
  const loaded = loadYaml(yaml);
  assert.deepEqual(errorsOf(loaded), []);
  const selected = selectWasmPlugins(loaded.config, identity, "istio-system");
  return wasmChainForPort(selected, port).map((p) => p.name);
}

Deno.test("WasmPlugin order: phase AUTHN, AUTHZ, STATS, unspecified; higher priority first; unset last", () => {
  const yaml = plugin("stats", "istio-system", "  phase: STATS") +
    plugin("plain", "istio-system", "") +
    plugin("authz-low", "istio-system", "  phase: AUTHZ\n  priority: 1") +
    plugin("authz-high", "istio-system", "  phase: AUTHZ\n  priority: 10") +
    plugin("authz-unset", "istio-system", "  phase: AUTHZ") +
    plugin("authn", "istio-system", "  phase: AUTHN");
  assert.deepEqual(chain(yaml), [
    "istio-system.authn",
    "istio-system.authz-high",
    "istio-system.authz-low",
    "istio-system.authz-unset",
    "istio-system.stats",
    "istio-system.plain",
  ]);
});

Deno.test("WasmPlugin selection: gateway namespace before root namespace, creation order, selector and match", () => {
  const identity = { labels: { istio: "ingressgateway", app: "gw" }, namespace: "edge" };
  const yaml = plugin("root-old", "istio-system", "", "2026-01-01T00:00:00Z") +
    plugin("root-new", "istio-system", "", "2026-01-02T00:00:00Z") +
    plugin("own", "edge", "", "2026-01-03T00:00:00Z") +
    plugin("elsewhere", "other", "") +
    plugin("selected", "edge", "  selector: {matchLabels: {app: gw}}", "2026-01-04T00:00:00Z") +
    plugin("not-selected", "edge", "  selector: {matchLabels: {app: other}}") +
    plugin("server-only", "edge", "  match: [{mode: SERVER}]") +
    plugin("port-443", "edge", "  match: [{mode: CLIENT, ports: [{number: 443}]}]") +
    plugin("network", "edge", "  type: NETWORK");
  assert.deepEqual(chain(yaml, 80, identity), [
    "edge.own",
    "edge.selected",
    "istio-system.root-old",
    "istio-system.root-new",
  ]);
  assert.ok(chain(yaml, 443, identity).includes("edge.port-443"));
});

Deno.test("TrafficExtension: Wasm and Lua extensions join the chain by phase and priority", () => {
  const yaml = plugin("plugin-authz", "istio-system", "  phase: AUTHZ\n  priority: 5") +
    `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: basic-auth, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  phase: AUTHZ
  priority: 10
  wasm:
    url: file:///filters/basic_auth.wasm
    pluginName: basic
    pluginConfig: {realm: test}
    failStrategy: FAIL_OPEN
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: late, namespace: istio-system}
spec:
  wasm: {url: file:///filters/late.wasm}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: other-workload, namespace: istio-system}
spec:
  selector: {matchLabels: {app: productpage}}
  wasm: {url: file:///filters/other.wasm}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: lua, namespace: istio-system}
spec:
  phase: AUTHZ
  priority: 7
  lua: {inlineCode: "function envoy_on_request(h) end"}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: lua-elsewhere, namespace: istio-system}
spec:
  selector: {matchLabels: {app: productpage}}
  lua: {inlineCode: "function envoy_on_request(h) end"}
`;
  const loaded = loadYaml(yaml);
  assert.deepEqual(errorsOf(loaded), []);
  const selected = selectWasmPlugins(loaded.config, DEFAULT_IDENTITY, "istio-system");
  assert.deepEqual(wasmChainForPort(selected, 80).map((p) => p.name), [
    "istio-system.basic-auth",
    "istio-system.lua",
    "istio-system.plugin-authz",
    "istio-system.late",
  ]);
  const ext = selected.find((p) => p.name === "istio-system.basic-auth")!;
  assert.equal(ext.url, "file:///filters/basic_auth.wasm");
  assert.equal(ext.rootId, "basic");
  assert.deepEqual(ext.pluginConfig, { realm: "test" });
  assert.equal(ext.failStrategy, "FAIL_OPEN");
  assert.equal(selected.find((p) => p.name === "istio-system.late")!.phase, "UNSPECIFIED_PHASE");
  assert.equal(ext.source, undefined);
  const lua = selected.find((p) => p.name === "istio-system.lua")!;
  assert.deepEqual(lua.source, { kind: "lua", code: "function envoy_on_request(h) end" });
  assert.equal(lua.url, "");
  assert.equal(lua.failStrategy, "FAIL_CLOSE");
  assert.equal(lua.type, "HTTP");
});

Deno.test("TrafficExtension: the Istio corpus Lua sample compiles into the chain of the workload it selects", async () => {
  const yaml = await Deno.readTextFile(corpusPath(LUA_SAMPLE));
  const loaded = loadYaml(yaml.replace("name: valid", "name: valid\n  namespace: istio-system"));
  assert.deepEqual(errorsOf(loaded), []);
  const productpage = { labels: { app: "productpage" }, namespace: "istio-system" };
  const [lua] = wasmChainForPort(selectWasmPlugins(loaded.config, productpage, "istio-system"), 80);
  assert.equal(lua.phase, "AUTHN");
  assert.match(lua.source!.code, /request_handle:headers\(\):add\("x-lua-injected", "true"\)/);
});
