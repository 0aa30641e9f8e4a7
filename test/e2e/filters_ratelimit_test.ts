import assert from "node:assert/strict";
import { buildShippedFilter } from "../../filters/build.ts";
import { withExampleFilter } from "../helpers/filters.ts";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";
import { jwksOf, signToken, testKey } from "../security/jwt/helpers.ts";

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

Deno.test("ratelimit filter: a JWT claim key counts per verified subject (AUTHZ phase runs after jwt_authn)", async () => {
  const key = await testKey("RS256", "k1");
  const built = await buildShippedFilter("ratelimit");
  const upstream = startUpstream("app");
  const port = freePort();
  const config = gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
    staticService("app", [upstream.port]) + `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules:
  - issuer: https://auth.example.com
    jwks: '${jwksOf(key)}'
    outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ratelimit, namespace: istio-system}
spec:
  url: file://${built.path}
  phase: AUTHZ
  pluginConfig:
    rules:
    - name: per-user
      key: {jwtClaim: {header: x-jwt-sub}}
      maxTokens: 2
      fillInterval: 1m
`;
  const gw = await serveConfig(config);
  try {
    assert.ok(
      await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n"),
    );
    const as = async (sub: string) => ({
      headers: { authorization: `Bearer ${await signToken(key, { iss: "https://auth.example.com", sub })}` },
    });
    const url = `http://127.0.0.1:${port}/x`;
    const alice = await as("alice");
    assert.deepEqual([
      (await fetchText(url, alice)).status,
      (await fetchText(url, alice)).status,
      (await fetchText(url, alice)).status,
    ], [200, 200, 429]);
    assert.equal((await fetchText(url, await as("bob"))).status, 200, "another subject has its own bucket");
    assert.equal(upstream.requests.at(-1)!.headers.get("x-jwt-sub"), "bob");
  } finally {
    await gw.close();
    await upstream.close();
  }
});
