import assert from "node:assert/strict";
import { withExampleFilter } from "../helpers/filters.ts";
import { fetchText } from "../helpers/net.ts";

Deno.test("ratelimit filter (example config): the login route allows 3 requests per client, then 429 with x-ratelimit-* and flag RL", async () => {
  await withExampleFilter("ratelimit", async (url, gw, upstream) => {
    for (let i = 0; i < 3; i++) {
      const ok = await fetchText(`${url}/login`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, "app");
      assert.equal(ok.headers.get("x-ratelimit-limit"), "3, 3;w=60");
      assert.equal(ok.headers.get("x-ratelimit-remaining"), String(2 - i));
    }
    const limited = await fetchText(`${url}/login`);
    assert.equal(limited.status, 429);
    assert.equal(limited.body, "local_rate_limited");
    assert.equal(limited.headers.get("x-ratelimit-limit"), "3, 3;w=60");
    assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
    assert.match(limited.headers.get("x-ratelimit-reset")!, /^([1-5]?[0-9]|60)$/);
    assert.equal(limited.headers.get("server"), "istio-envoy");
    assert.equal(upstream.requests.length, 3, "the limited request never reached the upstream");

    assert.equal((await fetchText(`${url}/other`)).status, 200, "other routes have their own limits");
    // 10 requests a second per API key: the 11th within the second is refused (a slow machine that took a
    // second for them tries again with a fresh key, at most 3 times).
    let refusedWithinASecond = false;
    for (let attempt = 0; attempt < 3 && !refusedWithinASecond; attempt++) {
      const key = { headers: { "x-api-key": `k${attempt}` } };
      const started = performance.now();
      for (let i = 0; i < 10; i++) assert.equal((await fetchText(`${url}/api/x`, key)).status, 200);
      const status = (await fetchText(`${url}/api/x`, key)).status;
      if (performance.now() - started < 900) {
        assert.equal(status, 429);
        refusedWithinASecond = true;
      }
    }
    assert.ok(refusedWithinASecond, "eleven requests never fit in a second");
    assert.equal((await fetchText(`${url}/api/x`, { headers: { "x-api-key": "other" } })).status, 200);

    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    const limitedSeries = metrics.split("\n").find((l) =>
      l.startsWith("istio_requests_total{") && l.includes('response_code="429"')
    );
    assert.ok(limitedSeries?.includes('response_flags="RL"'), limitedSeries);
    assert.match(limitedSeries ?? "", / [2-4]$/);
    assert.match(metrics, /^ratelimit_ratelimit_limited [2-4]$/m);
  });
});
