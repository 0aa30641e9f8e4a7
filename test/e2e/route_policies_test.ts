import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";

/** A gateway whose VirtualService has `http` rules, with services v1 and v2 (each one upstream) and `down`. */
async function gateway(
  http: string,
): Promise<{ gw: TestGateway; base: string; v1: TestUpstream; v2: TestUpstream }> {
  const v1 = startUpstream("v1");
  const v2 = startUpstream("v2");
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, http) + staticService("v1", [v1.port]) + staticService("v2", [v2.port]) +
      staticService("down", [freePort()]),
  );
  return { gw, base: `http://127.0.0.1:${port}`, v1, v2 };
}

async function stop(t: { gw: TestGateway; v1: TestUpstream; v2: TestUpstream }): Promise<void> {
  await t.gw.close();
  await t.v1.close();
  await t.v2.close();
}

Deno.test("fault injection: abort for jason at 100%, delay, 0% and unset percentage do nothing", async () => {
  const t = await gateway(`  - match: [{headers: {end-user: {exact: jason}}}]
    fault: {abort: {httpStatus: 555, percentage: {value: 100}}}
    route: [{destination: {host: v1}}]
  - match: [{uri: {prefix: /slow}}]
    fault: {delay: {fixedDelay: 0.3s, percentage: {value: 100}}}
    route: [{destination: {host: v1}}]
  - match: [{uri: {prefix: /never}}]
    fault: {abort: {httpStatus: 500, percentage: {value: 0}}}
    route: [{destination: {host: v1}}]
  - match: [{uri: {prefix: /unset}}]
    fault: {abort: {httpStatus: 500}}
    route: [{destination: {host: v1}}]
  - route: [{destination: {host: v1}}]`);
  try {
    const aborted = await fetchText(`${t.base}/ratings`, { headers: { "end-user": "jason" } });
    assert.deepEqual([aborted.status, aborted.body], [555, "fault filter abort"]);
    assert.equal(t.v1.requests.length, 0, "an aborted request never reaches the upstream");
    assert.equal((await fetchText(`${t.base}/ratings`)).status, 200, "other users are unaffected");
    const t0 = performance.now();
    assert.equal((await fetchText(`${t.base}/slow`)).body, "v1");
    assert.ok(performance.now() - t0 >= 290, "delayed");
    assert.equal((await fetchText(`${t.base}/never`)).status, 200);
    assert.equal((await fetchText(`${t.base}/unset`)).status, 200, "no percentage: no request is aborted");
  } finally {
    await stop(t);
  }
});

Deno.test("CORS: preflight answered at the gateway, actual responses decorated, unmatched preflight forwarded", async () => {
  const t = await gateway(`  - corsPolicy:
      allowOrigins: [{exact: "https://app.example.com"}, {regex: "https://.*\\\\.trusted\\\\.org"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      exposeHeaders: [x-total]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: v1}}]`);
  try {
    const pre = await fetchText(`${t.base}/api`, {
      method: "OPTIONS",
      headers: { origin: "https://a.trusted.org", "access-control-request-method": "POST" },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://a.trusted.org");
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET,POST");
    assert.equal(pre.headers.get("access-control-max-age"), "86400");
    assert.equal(pre.headers.get("access-control-allow-credentials"), "true");
    assert.equal(t.v1.requests.length, 0, "the preflight did not reach the upstream");
    const actual = await fetchText(`${t.base}/api`, { headers: { origin: "https://app.example.com" } });
    assert.equal(actual.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.equal(actual.headers.get("access-control-expose-headers"), "x-total");
    const other = await fetchText(`${t.base}/api`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    assert.equal(t.v1.requests.length, 2, "unmatched preflight forwarded (FORWARD is the default)");
  } finally {
    await stop(t);
  }
});

Deno.test("mirroring task: v2 gets a -shadow copy, the client only sees v1, a down mirror changes nothing", async () => {
  const t = await gateway(`  - match: [{uri: {prefix: /down}}]
    route: [{destination: {host: v1}}]
    mirror: {host: down}
  - route: [{destination: {host: v1}, weight: 100}]
    mirror: {host: v2}
    mirrorPercentage: {value: 100.0}`);
  try {
    const r = await fetchText(`${t.base}/headers`, { headers: { host: "httpbin:8000" } });
    assert.equal(r.body, "v1");
    assert.ok(await eventually(() => t.v2.requests.length === 1));
    assert.equal(t.v2.requests[0].path, "/headers");
    assert.equal(t.v2.requests[0].headers.get("host"), "httpbin-shadow:8000");
    const primaryId = t.v1.requests.at(-1)!.headers.get("x-request-id");
    assert.equal(
      t.v2.requests[0].headers.get("x-request-id"),
      primaryId,
      "the copy carries the primary's id",
    );
    const post = await fetchText(`${t.base}/post`, { method: "POST", body: "payload" });
    assert.equal(post.body, "v1");
    assert.ok(await eventually(() => t.v2.requests.length === 2));
    const down = await fetchText(`${t.base}/down`);
    assert.deepEqual([down.status, down.body], [200, "v1"]);
    const stats = (await fetchText(`${t.gw.adminUrl}/stats?filter=mirror`)).body;
    const started = Number(/portcullis\.mirror\.requests_started: (\d+)/.exec(stats)?.[1]);
    assert.ok(started >= 3, stats); // counters are process-wide: other tests' copies may be included
  } finally {
    await stop(t);
  }
});
