import assert from "node:assert/strict";
import { exampleWasmPlugin, withExampleFilter } from "../helpers/filters.ts";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

const PREFIX = "wasm log istio-system.request-log: ";

/** The JSON lines the filter wrote through the gateway's `wasm` logger. */
function requestLines(logs: readonly string[]): Record<string, unknown>[] {
  return logs.filter((l) => l.includes(PREFIX)).map((l) =>
    JSON.parse(l.slice(l.indexOf(PREFIX) + PREFIX.length))
  );
}

Deno.test("request-log filter (example config): a JSON line per request on the gateway's wasm logger", async () => {
  const body = '{"items":[]}';
  const upstream = startUpstream("app", async (req) => {
    await req.body?.cancel();
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  await withExampleFilter("request-log", async (url, gw, app) => {
    const port = new URL(url).port;
    const ok = await fetchText(`${url}/api/items?page=2`, {
      method: "POST",
      body: "hello",
      headers: { "x-tenant": "acme", "user-agent": "e2e/1" },
    });
    assert.equal(ok.status, 200);
    await app.kill();
    assert.equal((await fetchText(`${url}/login`)).status, 503, "the upstream is gone");

    let lines: Record<string, unknown>[] = [];
    assert.ok(await eventually(() => (lines = requestLines(gw.logs)).length === 2), gw.logs.join("\n"));
    const [first, failed] = lines;
    assert.ok(typeof first.start_time === "string" && !Number.isNaN(Date.parse(first.start_time)));
    assert.ok(typeof first.duration === "number" && first.duration >= 0);
    assert.deepEqual({ ...first, start_time: "-", duration: 0 }, {
      start_time: "-",
      method: "POST",
      path: "/api/items?page=2",
      authority: `127.0.0.1:${port}`,
      response_code: 200,
      response_flags: "-",
      duration: 0,
      bytes_received: 5,
      bytes_sent: body.length,
      upstream_cluster: "outbound|80||app.default.svc.cluster.local",
      upstream_host: `127.0.0.1:${app.port}`,
      route_name: "api",
      user_agent: "e2e/1",
      tenant: "acme",
      content_type: "application/json",
    });
    assert.equal(failed.path, "/login");
    assert.equal(failed.route_name, "login");
    assert.equal(failed.response_code, 503);
    assert.equal(failed.response_flags, "UF,URX");
    assert.equal(failed.tenant, null);
    const logged = gw.logs.find((l) => l.includes(PREFIX))!;
    assert.match(logged, /\[info\]\[wasm\]/, "at info on the wasm logger");
  }, upstream);
});

Deno.test("request-log filter: debug lines appear once admin /logging sets the wasm logger to debug", async () => {
  const example = await exampleWasmPlugin("request-log");
  const debugPlugin = example.replace(/level: info\b/, "level: debug");
  assert.notEqual(debugPlugin, example);
  const upstream = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
      staticService("app", [upstream.port]) + "---\n" + debugPlugin,
  );
  try {
    assert.ok(
      await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n"),
    );
    await fetchText(`http://127.0.0.1:${port}/quiet`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(requestLines(gw.logs).length, 0, "debug lines are dropped at the default info level");
    const set = await fetch(`${gw.adminUrl}/logging?wasm=debug`, { method: "POST" });
    await set.body?.cancel();
    assert.equal(set.status, 200);
    await fetchText(`http://127.0.0.1:${port}/loud`);
    assert.ok(
      await eventually(() => requestLines(gw.logs).some((l) => l.path === "/loud")),
      gw.logs.join("\n"),
    );
  } finally {
    await gw.close();
    await upstream.close();
  }
});
