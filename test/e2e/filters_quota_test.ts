import assert from "node:assert/strict";
import { EXAMPLE_ROUTES, exampleWasmPlugin, withExampleFilter } from "../helpers/filters.ts";
import { gatewayWithRoutes, startTestGateway, staticService, writeAtomically } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

/** Waits for the next UTC minute when fewer than 15 s of this one are left, so a test's requests share a window. */
async function earlyInMinute(): Promise<void> {
  const left = 60_000 - Date.now() % 60_000;
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 50));
}

Deno.test("quota filter (example config): 5 requests a minute per API key on the api route, then 429 with flag RL", async () => {
  await earlyInMinute();
  await withExampleFilter("quota", async (url, gw) => {
    const key = { headers: { "x-api-key": "k1" } };
    for (let i = 0; i < 5; i++) {
      const ok = await fetchText(`${url}/api/x`, key);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("x-ratelimit-remaining"), String(4 - i));
    }
    const refused = await fetchText(`${url}/api/x`, key);
    assert.equal(refused.status, 429);
    assert.equal(refused.body, "quota exceeded\n");
    assert.equal(refused.headers.get("x-ratelimit-limit"), "5, 5;w=60");
    assert.equal((await fetchText(`${url}/api/x`, { headers: { "x-api-key": "k2" } })).status, 200);
    assert.equal((await fetchText(`${url}/web`)).status, 200);
    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    const series = metrics.split("\n").find((l) =>
      l.startsWith("istio_requests_total{") && l.includes('="429"')
    );
    assert.ok(series?.includes('response_flags="RL"'), series);
  });
});

Deno.test("quota filter: counters survive a configuration reload that replaces the plugin's VM", async () => {
  await earlyInMinute();
  const upstream = startUpstream("app");
  const port = freePort();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/config.yaml`;
  const base = gatewayWithRoutes(port, EXAMPLE_ROUTES) + staticService("app", [upstream.port]) + "---\n";
  const plugin = await exampleWasmPlugin("quota");
  await writeAtomically(file, base + plugin);
  const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: true });
  try {
    const url = `http://127.0.0.1:${port}/api/x`;
    const key = { headers: { "x-api-key": "reload" } };
    assert.ok(await eventually(async () => (await fetchText(url, key)).status === 200));
    for (let i = 0; i < 3; i++) assert.equal((await fetchText(url, key)).status, 200);
    await writeAtomically(file, base + plugin.replace('body: "quota exceeded\\n"', 'body: "over quota\\n"'));
    assert.ok(await eventually(() => gw.config.current().version === 2));
    const ready = async () => {
      const states = (await (await fetch(`${gw.adminUrl}/config_dump`)).json()).wasmPlugins;
      return states.length === 1 && states[0].state === "ready" && !states[0].servingPrevious;
    };
    assert.ok(await eventually(ready), "the changed plugin loads");
    assert.equal((await fetchText(url, key)).status, 200, "the fifth request of the minute");
    const refused = await fetchText(url, key);
    assert.equal(refused.status, 429, "the four requests before the reload still count");
    assert.equal(refused.body, "over quota\n", "the new configuration answers");
  } finally {
    await gw.close();
    await upstream.close();
  }
});
