import assert from "node:assert/strict";
import {
  gatewayWithRoutes,
  serveConfig,
  startTestGateway,
  staticService,
  type TestGateway,
  writeAtomically,
} from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";
import { testFilter } from "../helpers/wasm.ts";
import { sha256Hex } from "../../gateway/extensions/module_source.ts";

/** Writes test filter `name` to a temp file and returns its file:// URL. */
async function filterUrl(name: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${name}.wasm`;
  await Deno.writeFile(path, await testFilter(name));
  return `file://${path}`;
}

/** A WasmPlugin in istio-system selecting the default gateway labels; `extra` adds spec lines. */
function wasmPlugin(name: string, url: string, extra = ""): string {
  return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  url: ${url}
${extra}---
`;
}

function appConfig(port: number, upstream: number, extra: string): string {
  return gatewayWithRoutes(port, "  - route:\n    - destination: {host: app, port: {number: 80}}") +
    staticService("app", [upstream]) + extra;
}

async function withGateway(
  extra: string,
  run: (url: string, gw: TestGateway, up: TestUpstream) => Promise<void>,
  upstream: TestUpstream = startUpstream("app"),
): Promise<void> {
  const port = freePort();
  const gw = await serveConfig(appConfig(port, upstream.port, extra));
  try {
    await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n");
    await run(`http://127.0.0.1:${port}`, gw, upstream);
  } finally {
    await gw.close();
    await upstream.close();
  }
}

async function pluginStates(
  gw: TestGateway,
): Promise<{ plugin: string; state: string; lastError?: string }[]> {
  return (await (await fetch(`${gw.adminUrl}/config_dump`)).json()).wasmPlugins;
}

Deno.test("wasm plugin: a header filter edits the request the upstream sees and the response the client sees", async () => {
  await withGateway(wasmPlugin("headers", await filterUrl("headers")), async (url, gw, up) => {
    const res = await fetchText(`${url}/some/path`, { headers: { "x-remove-me": "1" } });
    assert.equal(res.status, 200);
    assert.equal(res.body, "app");
    assert.equal(res.headers.get("x-wasm-response"), "yes");
    assert.equal(res.headers.get("server"), "istio-envoy");
    const seen = up.requests.at(-1)!.headers;
    assert.equal(seen.get("x-wasm-added"), "yes");
    assert.equal(seen.get("x-seen-path"), "/some/path");
    assert.equal(seen.get("x-remove-me"), null);
    assert.deepEqual((await pluginStates(gw)).map((p) => [p.plugin, p.state]), [[
      "istio-system/headers",
      "ready",
    ]]);
  });
});

Deno.test("wasm plugin: Wasm and Lua TrafficExtensions run like WasmPlugins (Istio's Lua sample, a Lua respond())", async () => {
  const extension = `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: headers, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  phase: AUTHN
  wasm:
    url: ${await filterUrl("headers")}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: valid, namespace: istio-system}
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  phase: AUTHN
  lua:
    inlineCode: |
      function envoy_on_request(request_handle)
        request_handle:headers():add("x-lua-injected", "true")
      end
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: gate, namespace: istio-system}
spec:
  phase: AUTHZ
  lua:
    inlineCode: |
      function envoy_on_request(handle)
        if handle:headers():get(":path") == "/private" then
          handle:respond({[":status"] = "403", ["x-denied-by"] = "lua"}, "no entry")
        end
      end
      function envoy_on_response(handle)
        handle:headers():add("x-lua-status", handle:headers():get(":status"))
      end
---
`;
  await withGateway(extension, async (url, gw, up) => {
    const res = await fetchText(`${url}/x`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-wasm-response"), "yes");
    assert.equal(res.headers.get("x-lua-status"), "200");
    const seen = up.requests.at(-1)!.headers;
    assert.equal(seen.get("x-wasm-added"), "yes");
    assert.equal(seen.get("x-lua-injected"), "true");
    const denied = await fetchText(`${url}/private`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body, "no entry");
    assert.equal(denied.headers.get("x-denied-by"), "lua");
    assert.equal(denied.headers.get("server"), "istio-envoy");
    assert.equal(up.requests.length, 1, "the upstream never saw the denied request");
    assert.deepEqual((await pluginStates(gw)).map((p) => [p.plugin, p.state]), [
      ["istio-system/headers", "ready"],
      ["istio-system/valid", "ready"],
      ["istio-system/gate", "ready"],
    ]);
    const status = await (await fetch(`${gw.adminUrl}/config_status`)).json();
    assert.deepEqual(status.warnings.filter((w: string) => w.includes("TrafficExtension")), []);
  });
});

Deno.test("wasm plugin: a body filter rewrites bodies (a small one keeps a content-length, a large one streams) and can reject one", async () => {
  const seen: { body: string; length: string | null; chunked: string | null }[] = [];
  const upstream = startUpstream("app", async (req) => {
    seen.push({
      body: await req.text(),
      length: req.headers.get("content-length"),
      chunked: req.headers.get("transfer-encoding"),
    });
    return new Response("from upstream");
  });
  await withGateway(wasmPlugin("body", await filterUrl("body")), async (url) => {
    const ok = await fetchText(`${url}/echo`, { method: "POST", body: "hello world, hello" });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "from upstream<!-- inspected by wasm -->");
    assert.deepEqual(seen, [{ body: "HELLO world, HELLO", length: "18", chunked: null }]);
    const rejected = await fetchText(`${url}/echo`, { method: "POST", body: "this is forbidden" });
    assert.equal(rejected.status, 400);
    assert.equal(rejected.body, "forbidden content\n");
    assert.equal(seen.length, 1, "the upstream never saw the rejected body");
    const big = await fetchText(`${url}/echo`, { method: "POST", body: "hello ".repeat(20_000) });
    assert.equal(big.status, 200);
    assert.deepEqual(seen[1], { body: "HELLO ".repeat(20_000), length: null, chunked: "chunked" });
  }, upstream);
});

Deno.test("wasm plugin: a filter's local reply answers the client with server istio-envoy", async () => {
  await withGateway(wasmPlugin("deny", await filterUrl("local_reply")), async (url, _gw, up) => {
    const denied = await fetchText(`${url}/deny`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body, "denied by wasm\n");
    assert.equal(denied.headers.get("x-denied"), "yes");
    assert.equal(denied.headers.get("server"), "istio-envoy");
    assert.equal(up.requests.length, 0);
    assert.equal((await fetchText(`${url}/fine`)).status, 200);
  });
});

Deno.test("wasm plugin: an auth filter calls a second upstream with http_call, then allows or denies", async () => {
  const auth = startUpstream(
    "auth",
    (req) =>
      req.headers.get("authorization") === "Bearer good"
        ? new Response("alice")
        : new Response("nope", { status: 403 }),
  );
  const authService = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: auth, namespace: default}
spec:
  hosts: [auth]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${auth.port}}}]
---
`;
  try {
    await withGateway(
      authService + wasmPlugin("auth", await filterUrl("auth"), "  phase: AUTHN\n"),
      async (url, _gw, up) => {
        const ok = await fetchText(`${url}/`, { headers: { authorization: "Bearer good" } });
        assert.equal(ok.status, 200, ok.body);
        assert.equal(up.requests.at(-1)!.headers.get("x-auth-user"), "alice");
        const bad = await fetchText(`${url}/`, { headers: { authorization: "Bearer bad" } });
        assert.equal(bad.status, 403);
        assert.equal(bad.body, "denied: nope\n");
        assert.equal((await fetchText(`${url}/`)).status, 401);
        assert.equal(up.requests.length, 1);
        assert.equal(auth.requests.length, 2);
      },
    );
  } finally {
    await auth.close();
  }
});

Deno.test("wasm plugin: a module that cannot be fetched denies under FAIL_CLOSE and is skipped under FAIL_OPEN", async () => {
  const port1 = freePort();
  const port2 = freePort();
  const up = startUpstream("app");
  const config = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${port1}, name: http-a, protocol: HTTP}
    hosts: ["*"]
  - port: {number: ${port2}, name: http-b, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: app, port: {number: 80}}
---
` + staticService("app", [up.port]) +
    wasmPlugin("closed", "file:///nonexistent/closed.wasm", `  match: [{ports: [{number: ${port1}}]}]\n`) +
    wasmPlugin(
      "open",
      "file:///nonexistent/open.wasm",
      `  failStrategy: FAIL_OPEN\n  match: [{mode: CLIENT, ports: [{number: ${port2}}]}]\n`,
    );
  const gw = await serveConfig(config);
  try {
    const closed = await fetchText(`http://127.0.0.1:${port1}/`);
    assert.equal(closed.status, 403);
    assert.equal(closed.body, "RBAC: access denied");
    assert.equal((await fetchText(`http://127.0.0.1:${port2}/`)).status, 200);
    const states = await pluginStates(gw);
    assert.deepEqual(states.map((s) => s.state), ["failed", "failed"]);
    const closedState = states.find((s) => s.plugin.includes("closed"));
    assert.match(closedState?.lastError ?? "", /nonexistent\/closed\.wasm/, JSON.stringify(states));
  } finally {
    await gw.close();
    await up.close();
  }
});

Deno.test("wasm plugin: http(s) modules are checked against sha256 and cached by digest", async () => {
  const bytes = await testFilter("headers");
  const modules = startUpstream("modules", () => new Response(bytes as Uint8Array<ArrayBuffer>));
  const digest = await sha256Hex(bytes);
  const cache = await Deno.makeTempDir();
  const port = freePort();
  const up = startUpstream("app");
  const moduleUrl = `http://127.0.0.1:${modules.port}/headers.wasm`;
  const gw = await serveConfig(
    appConfig(
      port,
      up.port,
      wasmPlugin("good", moduleUrl, `  sha256: ${digest}\n`) +
        wasmPlugin("wrong", moduleUrl, `  sha256: "${"0".repeat(64)}"\n  match: [{ports: [{number: 1}]}]\n`),
    ),
    { wasmCacheDir: cache },
  );
  try {
    await eventually(async () =>
      (await pluginStates(gw)).length === 1 && (await pluginStates(gw))[0].state !== "loading"
    );
    const res = await fetchText(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-wasm-response"), "yes");
    assert.ok((await Deno.stat(`${cache}/${digest}.wasm`)).isFile);
  } finally {
    await gw.close();
    await up.close();
  }
  // The wrong digest is refused on the port it applies to.
  const up2 = startUpstream("app");
  const gw2 = await serveConfig(
    appConfig(port, up2.port, wasmPlugin("wrong", moduleUrl, `  sha256: "${"0".repeat(64)}"\n`)),
    { wasmCacheDir: cache },
  );
  try {
    assert.equal((await fetchText(`http://127.0.0.1:${port}/`)).status, 403);
    assert.match((await pluginStates(gw2))[0].lastError!, /checksum/);
  } finally {
    await gw2.close();
    await up2.close();
    await modules.close();
  }
});

Deno.test("wasm plugin: a config change swaps the plugin without failing in-flight requests", async () => {
  const up = startUpstream("app", async (req) => {
    if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 400));
    return new Response("app");
  });
  const port = freePort();
  const dir = await Deno.makeTempDir();
  const headersUrl = await filterUrl("headers");
  await Deno.writeTextFile(`${dir}/config.yaml`, appConfig(port, up.port, wasmPlugin("p", headersUrl)));
  const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: false });
  try {
    const url = `http://127.0.0.1:${port}`;
    assert.equal((await fetchText(`${url}/`)).headers.get("x-wasm-response"), "yes");
    const inFlight = fetchText(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    await writeAtomically(
      `${dir}/config.yaml`,
      appConfig(port, up.port, wasmPlugin("p", await filterUrl("local_reply"))),
    );
    await gw.config.reload();
    const slow = await inFlight;
    assert.equal(slow.status, 200);
    assert.equal(slow.headers.get("x-wasm-response"), "yes");
    assert.ok(await eventually(async () => (await fetchText(`${url}/deny`)).status === 403));
    const after = await fetchText(`${url}/fine`);
    assert.equal(after.status, 200);
    assert.equal(after.headers.get("x-wasm-response"), null);
  } finally {
    await gw.close();
    await up.close();
  }
});

Deno.test("wasm plugin: metrics a filter defines appear on /stats/prometheus", async () => {
  await withGateway(wasmPlugin("metrics", await filterUrl("metrics")), async (url, gw) => {
    for (let i = 0; i < 3; i++) assert.equal((await fetchText(`${url}/`)).status, 200);
    const text = await (await fetch(`${gw.adminUrl}/stats/prometheus`)).text();
    assert.match(text, /portcullis_test_requests_total 3/);
    const scrape = await (await fetch(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).text();
    assert.match(scrape, /portcullis_test_requests_total 3/);
  });
});

Deno.test("wasm plugin: a selector that does not match the gateway's labels does not apply", async () => {
  const url = await filterUrl("headers");
  const extra = wasmPlugin("other", url).replace("istio: ingressgateway", "app: something-else") +
    wasmPlugin("gateway-api-ref", url).replace(
      "  selector: {matchLabels: {istio: ingressgateway}}",
      "  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]",
    ) + wasmPlugin("server-only", url, "  match: [{mode: SERVER}]\n");
  await withGateway(extra, async (base, gw, up) => {
    const res = await fetchText(`${base}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-wasm-response"), null);
    assert.equal(up.requests.at(-1)!.headers.get("x-wasm-added"), null);
    assert.deepEqual(await pluginStates(gw), []);
  });
});

/** A RequestAuthentication for an issuer no token here carries, and a DENY on a header a filter adds. */
const AUTHN_AND_AUTHZ = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules:
  - issuer: https://issuer.example
    jwksUri: http://127.0.0.1:9/jwks.json
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-filtered, namespace: istio-system}
spec:
  action: DENY
  rules:
  - when: [{key: "request.headers[x-wasm-added]", values: ["yes"]}]
---
`;

/** A well-formed token from an issuer the gateway does not know: jwt_authn answers 401. */
function foreignToken(): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: "https://other.example", sub: "x" })}.c2ln`;
}

Deno.test("wasm plugin: phases place plugins around jwt_authn and RBAC as Istio orders them", async () => {
  const bearer = { headers: { authorization: `Bearer ${foreignToken()}` } };
  const replyUrl = await filterUrl("local_reply");
  const headersUrl = await filterUrl("headers");
  const statusWith = async (plugins: string, path: string, init?: RequestInit) => {
    let status = 0;
    await withGateway(plugins + AUTHN_AND_AUTHZ, async (url) => {
      status = (await fetchText(`${url}${path}`, init)).status;
    });
    return status;
  };
  // AUTHN plugins run before jwt_authn: the plugin's reply wins over the token's 401.
  assert.equal(await statusWith(wasmPlugin("deny", replyUrl, "  phase: AUTHN\n"), "/deny/x", bearer), 403);
  assert.equal(await statusWith(wasmPlugin("deny", replyUrl, "  phase: AUTHZ\n"), "/deny/x", bearer), 401);
  // AUTHZ plugins run before RBAC (which sees their header); STATS and phase-less ones after it.
  assert.equal(await statusWith(wasmPlugin("headers", headersUrl, "  phase: AUTHZ\n"), "/x"), 403);
  assert.equal(await statusWith(wasmPlugin("headers", headersUrl, "  phase: STATS\n"), "/x"), 200);
  assert.equal(await statusWith(wasmPlugin("headers", headersUrl), "/x"), 200);
});

Deno.test("wasm plugin: filters see the edge headers Envoy's connection manager set (X-Forwarded-*, x-envoy-*), sent upstream once", async () => {
  const lua = `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: saw-edge, namespace: istio-system}
spec:
  lua:
    inlineCode: |
      function envoy_on_request(h)
        local seen = {}
        for _, name in ipairs({"x-forwarded-for", "x-forwarded-proto", "x-envoy-external-address",
            "x-envoy-internal", "x-envoy-retry-on", "keep-alive"}) do
          table.insert(seen, name .. "=" .. (h:headers():get(name) or "-"))
        end
        h:headers():add("x-filter-saw", table.concat(seen, ";"))
      end
---
`;
  await withGateway(lua, async (url, _gw, up) => {
    await fetchText(`${url}/x`, {
      headers: {
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-proto": "https",
        "x-envoy-retry-on": "5xx",
        "keep-alive": "timeout=5",
      },
    });
    const external = up.requests.at(-1)!.headers;
    assert.equal(
      external.get("x-filter-saw"),
      "x-forwarded-for=203.0.113.7,127.0.0.1;x-forwarded-proto=http;x-envoy-external-address=127.0.0.1;" +
        "x-envoy-internal=-;x-envoy-retry-on=-;keep-alive=-",
    );
    assert.equal(external.get("x-forwarded-for"), "203.0.113.7,127.0.0.1", "the peer is appended once");
    assert.equal(external.get("x-envoy-external-address"), "127.0.0.1");
    await fetchText(`${url}/x`);
    const internal = up.requests.at(-1)!.headers;
    assert.equal(
      internal.get("x-filter-saw"),
      "x-forwarded-for=127.0.0.1;x-forwarded-proto=http;x-envoy-external-address=-;x-envoy-internal=true;" +
        "x-envoy-retry-on=-;keep-alive=-",
    );
    assert.equal(internal.get("x-forwarded-for"), "127.0.0.1");
    assert.equal(internal.get("x-envoy-internal"), "true");
  });
});

Deno.test("wasm plugin: filters see the x-request-id the upstream gets (decided before the filters, as Envoy's HCM does)", async () => {
  const lua = `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: saw-id, namespace: istio-system}
spec:
  lua:
    inlineCode: |
      function envoy_on_request(h)
        h:headers():add("x-filter-saw-id", h:headers():get("x-request-id") or "none")
      end
---
`;
  await withGateway(lua, async (url, _gw, up) => {
    // An external request (it came through a proxy): the client's id is replaced, before the filters.
    await fetchText(`${url}/x`, {
      headers: { "x-request-id": "client-id", "x-forwarded-for": "203.0.113.7" },
    });
    const external = up.requests.at(-1)!.headers;
    assert.notEqual(external.get("x-request-id"), "client-id");
    assert.equal(external.get("x-filter-saw-id"), external.get("x-request-id"));
    // An internal request keeps its id; one without gets a new one, the same for the filter and the upstream.
    await fetchText(`${url}/x`, { headers: { "x-request-id": "internal-id" } });
    assert.equal(up.requests.at(-1)!.headers.get("x-request-id"), "internal-id");
    assert.equal(up.requests.at(-1)!.headers.get("x-filter-saw-id"), "internal-id");
    await fetchText(`${url}/x`);
    const fresh = up.requests.at(-1)!.headers;
    assert.match(fresh.get("x-request-id")!, /^[0-9a-f-]{36}$/);
    assert.equal(fresh.get("x-filter-saw-id"), fresh.get("x-request-id"));
  });
});
