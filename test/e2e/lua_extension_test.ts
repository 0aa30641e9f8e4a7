import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";
import { testFilter } from "../helpers/wasm.ts";

/** A Lua TrafficExtension in istio-system applying to the default gateway; `spec` adds spec lines. */
function luaExtension(name: string, code: string, spec = ""): string {
  const indented = code.trim().split("\n").map((line) => `      ${line}`).join("\n");
  return `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: ${name}, namespace: istio-system}
spec:
${spec}  lua:
    inlineCode: |
${indented}
---
`;
}

/** Writes test filter `name` to a temp file and returns its file:// URL. */
async function filterUrl(name: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${name}.wasm`;
  await Deno.writeFile(path, await testFilter(name));
  return `file://${path}`;
}

async function withGateway(
  extra: string,
  upstream: TestUpstream,
  run: (url: string, gw: TestGateway) => Promise<void>,
): Promise<void> {
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, "  - route:\n    - destination: {host: app, port: {number: 80}}") +
      staticService("app", [upstream.port]) + extra,
  );
  try {
    await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n");
    await run(`http://127.0.0.1:${port}`, gw);
  } finally {
    await gw.close();
    await upstream.close();
  }
}

Deno.test("lua extension: body() holds a streamed request and the response until they end; edits after it apply", async () => {
  const seen: { body: string; size: string | null; length: string | null }[] = [];
  const upstream = startUpstream("app", async (req) => {
    seen.push({
      body: await req.text(),
      size: req.headers.get("x-body-size"),
      length: req.headers.get("content-length"),
    });
    return new Response("upstream says hi", { headers: { "content-type": "text/plain" } });
  });
  const code = `
function envoy_on_request(handle)
  local body = handle:body()
  handle:headers():add("x-body-size", body:length())
  body:setBytes(string.upper(body:getBytes(0, body:length())))
end
function envoy_on_response(handle)
  local body = handle:body()
  handle:headers():add("x-response-size", body:length())
  body:setBytes("[" .. body:getBytes(0, body:length()) .. "]")
end`;
  await withGateway(luaExtension("body", code), upstream, async (url) => {
    const chunks = ["abc".repeat(30_000), "def".repeat(10_000)];
    const stream = ReadableStream.from(chunks.map((c) => new TextEncoder().encode(c)));
    const res = await fetchText(`${url}/upload`, { method: "POST", body: stream });
    assert.equal(res.status, 200);
    assert.equal(res.body, "[upstream says hi]");
    assert.equal(res.headers.get("x-response-size"), "16");
    assert.deepEqual(seen, [{ body: chunks.join("").toUpperCase(), size: "120000", length: "120000" }]);
  });
});

Deno.test("lua extension: a script waiting in body() holds the headers from the filters after it until it ends", async () => {
  const seen: Record<string, string | null>[] = [];
  const upstream = startUpstream("app", async (req) => {
    seen.push({
      body: await req.text(),
      length: req.headers.get("content-length"),
      bodyLength: req.headers.get("x-body-length"),
      secondSaw: req.headers.get("x-second-saw-body-length"),
      secondBody: req.headers.get("x-second-body-length"),
    });
    return new Response("hello from upstream");
  });
  // Request order: first (priority 10), second (5), the Wasm body filter (1); responses in reverse. Each
  // Lua script records what the one before it set after its body().
  const first = luaExtension(
    "first",
    `
function envoy_on_request(handle)
  local body = handle:body()
  handle:headers():replace("x-body-length", tostring(body:length()))
  body:setBytes(body:getBytes(0, body:length()) .. "!")
end
function envoy_on_response(handle)
  handle:headers():replace("x-first-saw-response-length", handle:headers():get("x-response-length") or "none")
end`,
    "  priority: 10\n",
  );
  const second = luaExtension(
    "second",
    `
function envoy_on_request(handle)
  handle:headers():replace("x-second-saw-body-length", handle:headers():get("x-body-length") or "none")
  handle:headers():replace("x-second-body-length", tostring(handle:body():length()))
end
function envoy_on_response(handle)
  local body = handle:body()
  handle:headers():replace("x-response-length", tostring(body:length()))
end`,
    "  priority: 5\n",
  );
  const wasmBody = `apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: body, namespace: istio-system}
spec:
  priority: 1
  wasm:
    url: ${await filterUrl("body")}
---
`;
  await withGateway(first + second + wasmBody, upstream, async (url) => {
    const small = await fetchText(`${url}/small`, { method: "POST", body: "hello lua" });
    assert.equal(small.status, 200, small.body);
    assert.deepEqual(seen.at(-1), {
      body: "HELLO lua!",
      length: "10",
      bodyLength: "9",
      secondSaw: "9",
      secondBody: "10",
    });
    const inspected = "hello from upstream<!-- inspected by wasm -->";
    assert.equal(small.body, inspected);
    assert.equal(small.headers.get("x-response-length"), String(inspected.length));
    assert.equal(small.headers.get("x-first-saw-response-length"), String(inspected.length));

    const chunks = ["hello ".repeat(15_000), "lua ".repeat(5_000)];
    const stream = ReadableStream.from(chunks.map((c) => new TextEncoder().encode(c)));
    const large = await fetchText(`${url}/large`, { method: "POST", body: stream });
    assert.equal(large.status, 200, large.body);
    const sent = chunks.join("");
    assert.deepEqual(seen.at(-1), {
      body: sent.replaceAll("hello", "HELLO") + "!",
      length: String(sent.length + 1),
      bodyLength: String(sent.length),
      secondSaw: String(sent.length),
      secondBody: String(sent.length + 1),
    });
    assert.equal(large.headers.get("x-first-saw-response-length"), String(inspected.length));

    const rejected = await fetchText(`${url}/small`, { method: "POST", body: "forbidden" });
    assert.equal(rejected.status, 400, "the Wasm filter after the held body still answers");
    assert.equal(rejected.body, "forbidden content\n");
    assert.equal(seen.length, 2, "the upstream never saw the rejected body");
  });
});

Deno.test("lua extension: a syntax error fails the extension closed with the error in /config_dump; scripts log to `lua`", async () => {
  const upstream = startUpstream("app");
  const broken = luaExtension("broken", "function envoy_on_request(handle) handle:headers( end");
  await withGateway(broken, upstream, async (url, gw) => {
    const res = await fetchText(`${url}/x`);
    assert.equal(res.status, 503);
    assert.equal(upstream.requests.length, 0);
    const states = (await (await fetch(`${gw.adminUrl}/config_dump`)).json()).wasmPlugins;
    const broken = states.find((p: { plugin: string }) => p.plugin === "istio-system/broken");
    assert.equal(broken.state, "failed");
    assert.equal(broken.source, "lua");
    assert.match(
      broken.lastError,
      /^Cannot load Lua plugin "istio-system\.broken": \[string ".*"\]:1: unexpected symbol near 'end'$/,
    );
  });
  const chatty = luaExtension(
    "chatty",
    'function envoy_on_request(handle) handle:logWarn("seen " .. handle:headers():get(":path")) end',
  );
  await withGateway(chatty, startUpstream("app"), async (url, gw) => {
    assert.equal((await fetchText(`${url}/logged`)).status, 200);
    assert.ok(
      gw.logs.some((line) => line.endsWith("[warning][lua] script log: seen /logged")),
      gw.logs.join("\n"),
    );
  });
});

Deno.test("lua extension: httpCall() asks a second upstream through the gateway's clusters, then allows or denies", async () => {
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
  const code = `
function envoy_on_request(handle)
  local headers, body = handle:httpCall("auth", {
    [":method"] = "GET", [":path"] = "/check", [":authority"] = "auth",
    ["authorization"] = handle:headers():get("authorization") or "",
  }, nil, 2000)
  if headers[":status"] ~= "200" then
    handle:respond({[":status"] = "403"}, "denied: " .. (body or ""))
  end
  handle:headers():add("x-auth-user", body)
end`;
  const app = startUpstream("app");
  try {
    await withGateway(authService + luaExtension("auth", code), app, async (url) => {
      const ok = await fetchText(`${url}/`, { headers: { authorization: "Bearer good" } });
      assert.equal(ok.status, 200, ok.body);
      assert.equal(app.requests.at(-1)!.headers.get("x-auth-user"), "alice");
      const bad = await fetchText(`${url}/`, { headers: { authorization: "Bearer bad" } });
      assert.equal(bad.status, 403);
      assert.equal(bad.body, "denied: nope");
      assert.equal(app.requests.length, 1);
      assert.equal(auth.requests.length, 2);
    });
  } finally {
    await auth.close();
  }
});
