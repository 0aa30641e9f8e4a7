import assert from "node:assert/strict";
import { buildComponentFilter } from "../../filters/toolchain/component_filters.ts";
import { FILTERS_DIR } from "../../filters/build.ts";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";

/** `filters/request-tag/example.yaml` pointing at the component built from source, with `edit` applied. */
async function requestTagPlugin(edit: (yaml: string) => string = (y) => y): Promise<string> {
  const built = await buildComponentFilter("request-tag");
  const text = await Deno.readTextFile(`${FILTERS_DIR}request-tag/example.yaml`);
  const relative = "url: file://.cache/filters/request-tag.wasm";
  assert.ok(text.includes(relative), "example.yaml names .cache/filters/request-tag.wasm");
  return edit(text.replace(relative, `url: file://${built.path}`));
}

async function withRequestTag(
  plugin: string,
  run: (url: string, gw: TestGateway, up: TestUpstream) => Promise<void>,
): Promise<void> {
  const upstream = startUpstream("app", async (req) => {
    await req.body?.cancel();
    return new Response("app", { headers: { "x-powered-by": "php" } });
  });
  const port = freePort();
  const routes = "  - route:\n    - destination: {host: app, port: {number: 80}}";
  const gw = await serveConfig(
    gatewayWithRoutes(port, routes) + staticService("app", [upstream.port]) + plugin,
  );
  try {
    assert.ok(
      await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n"),
    );
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

Deno.test("wasm component: a WasmPlugin whose module is a component edits headers, replies locally and counts", async () => {
  await withRequestTag(await requestTagPlugin(), async (url, gw, up) => {
    const ok = await fetchText(`${url}/api/items?page=2`, { headers: { "x-debug": "1" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "app");
    assert.equal(ok.headers.get("x-served-by"), "portcullis");
    assert.equal(ok.headers.get("x-powered-by"), null);
    const seen = up.requests.at(-1)!;
    assert.equal(seen.path, "/api/items?page=2");
    assert.equal(seen.headers.get("x-request-tag"), "edge");
    assert.equal(seen.headers.get("x-debug"), null);

    const denied = await fetchText(`${url}/internal/metrics`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body, "denied by request-tag\n");
    assert.equal(denied.headers.get("content-type"), "text/plain");
    assert.equal(up.requests.length, 1);

    assert.deepEqual((await pluginStates(gw)).map((p) => [p.plugin, p.state]), [[
      "istio-system/request-tag",
      "ready",
    ]]);
    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    assert.match(metrics, /^request_tag_requests_total 2$/m);
    assert.match(metrics, /^request_tag_denied_total 1$/m);
  });
});

Deno.test("wasm component: another pluginConfig changes what it does; a refused one fails closed", async () => {
  const custom = await requestTagPlugin((yaml) =>
    yaml.replace("pathPrefixes: [/internal/]", "pathPrefixes: [/api/]").replace("status: 403", "status: 451")
      .replace("metadata:\n  name: request-tag", "metadata:\n  name: tagger")
  );
  await withRequestTag(custom, async (url) => {
    assert.equal((await fetchText(`${url}/api/items`)).status, 451);
    assert.equal((await fetchText(`${url}/internal/x`)).status, 200);
  });
  const refused = await requestTagPlugin((yaml) => yaml.replace("status: 403", "status: 99"));
  await withRequestTag(refused, async (url, gw, up) => {
    const res = await fetchText(`${url}/api/items`);
    assert.equal(res.status, 503);
    assert.equal(up.requests.length, 0);
    const [state] = await pluginStates(gw);
    assert.equal(state.state, "failed");
    assert.match(state.lastError ?? "", /deny.status must be 200-599/);
  });
});
