import assert from "node:assert/strict";
import { withExampleFilter } from "../helpers/filters.ts";
import { fetchText } from "../helpers/net.ts";

Deno.test("acl filter (example config): /admin only for the office, no DELETE on the API, a banned user agent", async () => {
  await withExampleFilter("acl", async (url, gw, upstream) => {
    assert.equal((await fetchText(`${url}/admin/health`)).status, 200);
    const admin = await fetchText(`${url}/admin/users`);
    assert.equal(admin.status, 403, "127.0.0.1 is not the office");
    assert.equal(admin.body, "access denied\n");
    assert.equal(admin.headers.get("content-type"), "text/plain");
    assert.equal(admin.headers.get("server"), "istio-envoy");
    const del = await fetchText(`${url}/api/items/1`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(del.body, "method not allowed\n");
    assert.equal((await fetchText(`${url}/api/items/1`)).status, 200);
    assert.equal((await fetchText(`${url}/`, { headers: { "user-agent": "SQLMap/1.7" } })).status, 403);
    assert.equal((await fetchText(`${url}/`, { headers: { "user-agent": "curl/8" } })).status, 200);
    assert.deepEqual(upstream.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /admin/health",
      "GET /api/items/1",
      "GET /",
    ]);
    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    assert.match(metrics, /^acl_acl_denied 3$/m, "metrics are named after the WasmPlugin");
  });
});
