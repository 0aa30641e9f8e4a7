import assert from "node:assert/strict";
import { withExampleFilter } from "../helpers/filters.ts";
import { fetchText, startUpstream } from "../helpers/net.ts";

Deno.test("header-rewrite filter (example config): request and response headers rewritten, redirects answered by the gateway", async () => {
  const upstream = startUpstream(
    "app",
    () => new Response("app", { headers: { "x-powered-by": "php/5", "cache-control": "max-age=600" } }),
  );
  await withExampleFilter("header-rewrite", async (url, _gw, up) => {
    const api = await fetchText(`${url}/api/items`, { headers: { cookie: "session=1" } });
    assert.equal(api.status, 200);
    assert.equal(api.headers.get("x-content-type-options"), "nosniff");
    assert.equal(api.headers.get("x-frame-options"), "DENY");
    assert.equal(api.headers.get("x-powered-by"), null);
    assert.equal(api.headers.get("cache-control"), "no-store");
    const seen = up.requests.at(-1)!.headers;
    assert.equal(seen.get("x-api-gateway"), "portcullis");
    assert.equal(seen.get("cookie"), null);

    const page = await fetchText(`${url}/page`, { headers: { cookie: "session=1" } });
    assert.equal(page.headers.get("cache-control"), "max-age=600");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(up.requests.at(-1)!.headers.get("cookie"), "session=1");

    const host = new URL(url).host;
    const moved = await fetchText(`${url}/old/page?a=1`);
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.get("location"), `http://${host}/new/page?a=1`);
    assert.equal(moved.headers.get("server"), "istio-envoy");
    const https = await fetchText(`${url}/x`, { headers: { "x-forwarded-port": "80" } });
    assert.equal(https.status, 308);
    assert.equal(https.headers.get("location"), `https://${host}/x`);
    assert.equal(up.requests.length, 2, "redirects never reach the upstream");
  }, upstream);
});
