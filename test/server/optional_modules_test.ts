import assert from "node:assert/strict";
import * as optional from "../../gateway/optional_modules.ts";
import { simpleConfig } from "../helpers/gateway.ts";
import { freePort, startUpstream } from "../helpers/net.ts";

Deno.test("optional modules: each imports once, with its entry point", async () => {
  const entries: Record<string, string> = {
    wasmHost: "loadFilterPlugin",
    luaHost: "loadLuaPlugin",
    ociPull: "OciModuleSource",
    jwtAuthn: "authenticatorFor",
    tracing: "GatewayTracing",
  };
  assert.deepEqual(Object.keys(optional).sort(), Object.keys(entries).sort());
  for (const [name, module] of Object.entries(optional)) {
    const loaded = await module.load();
    assert.equal(typeof (loaded as Record<string, unknown>)[entries[name]], "function", name);
    assert.equal(module.loaded, loaded, `${name}: loaded once imported`);
    assert.equal(await module.load(), loaded, `${name}: imported once`);
  }
});

/** A module of `deno info --json`: its imports, by kind. */
interface GraphModule {
  readonly specifier: string;
  readonly dependencies?: { readonly code?: { readonly specifier: string }; readonly isDynamic?: boolean }[];
}

Deno.test("optional modules: none of them, nor their npm packages, is statically imported by serve", async () => {
  const serve = new URL("../../gateway/cli/serve.ts", import.meta.url).href;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", serve],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const graph: { modules: GraphModule[] } = JSON.parse(new TextDecoder().decode(stdout));
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  // What `deno run` evaluates: code imports that are not dynamic (type-only imports are not).
  const reached = new Set<string>();
  const pending = [serve];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) pending.push(dep.code.specifier);
    }
  }
  const npm = (name: string) =>
    [...reached].filter((s) => s.startsWith(`npm:${name}@`) || s.startsWith(`npm:/${name}@`));
  assert.equal(npm("zod").length > 0, true, "the walk reaches npm packages");
  const optionalFiles = [
    "wasm/filter_plugin.ts",
    "wasm/lua/plugin.ts",
    "wasm/runtime/vm.ts",
    "gateway/extensions/oci/oci_source.ts",
    "gateway/security/jwt/request_authn.ts",
    "gateway/telemetry/tracing/gateway_tracing.ts",
  ].map((path) => new URL(`../../${path}`, import.meta.url).href);
  assert.deepEqual(optionalFiles.filter((f) => reached.has(f)), []);
  assert.deepEqual([...npm("wasmoon"), ...npm("nanotar"), ...npm("jose")], []);
});

interface ChildReport {
  readonly errors: string[];
  readonly status: number;
  readonly applied: Record<string, boolean>;
  readonly afterRequest: Record<string, boolean>;
}

/** Serves `config` in a fresh process (test/server/_optional_modules_child.ts) and returns its report. */
async function serveInChild(config: (port: number) => string): Promise<ChildReport> {
  const dir = await Deno.makeTempDir();
  try {
    const port = freePort();
    await Deno.writeTextFile(`${dir}/config.yaml`, config(port));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("_optional_modules_child.ts", import.meta.url).pathname, dir, `${port}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return JSON.parse(out.trim().split("\n").at(-1)!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const NONE = { wasmHost: false, luaHost: false, ociPull: false, jwtAuthn: false, tracing: false };

const JWT_AND_TRACING = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: "https://issuer.example", jwksUri: "http://127.0.0.1:9/jwks.json"}]
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh, namespace: istio-system}
spec:
  tracing: [{providers: [{name: otel}]}]
---
`;

const LUA = `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: lua, namespace: istio-system}
spec:
  lua:
    inlineCode: |
      function envoy_on_request(handle) end
---
`;

/** A WasmPlugin pulled from a registry nobody listens on: the pull fails, so no module is ever loaded. */
const OCI = (registryPort: number) =>
  `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: oci, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  url: oci://127.0.0.1:${registryPort}/filters/none:v1
  failStrategy: FAIL_OPEN
---
`;

Deno.test("optional modules: a plain config imports none; JWT, tracing, Lua and OCI configs import theirs", async () => {
  const upstream = startUpstream("app");
  try {
    const [plain, jwtAndTracing, lua, oci] = await Promise.all([
      serveInChild((port) => simpleConfig(port, upstream.port)),
      serveInChild((port) => simpleConfig(port, upstream.port, JWT_AND_TRACING)),
      serveInChild((port) => simpleConfig(port, upstream.port, LUA)),
      serveInChild((port) => simpleConfig(port, upstream.port, OCI(freePort()))),
    ]);
    for (const report of [plain, jwtAndTracing, lua, oci]) {
      assert.deepEqual(report.errors, []);
      assert.equal(report.status, 200);
    }
    assert.deepEqual(plain.applied, NONE);
    assert.deepEqual(plain.afterRequest, NONE, "a plain request needs none of them");
    assert.deepEqual(
      jwtAndTracing.applied,
      { ...NONE, jwtAuthn: true, tracing: true },
      "imported before the config serves",
    );
    assert.deepEqual(lua.afterRequest, { ...NONE, luaHost: true });
    assert.deepEqual(oci.afterRequest, { ...NONE, ociPull: true }, "the Wasm host waits for a module");
  } finally {
    await upstream.close();
  }
});
