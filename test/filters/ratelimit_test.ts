import assert from "node:assert/strict";
import { FilterHost, type FilterHostOptions } from "../../filters/testing/mod.ts";

const RATELIMIT = new URL("../../filters/ratelimit/", import.meta.url);

function load(config: Record<string, unknown>, options: FilterHostOptions = {}): Promise<FilterHost> {
  return FilterHost.load(RATELIMIT, { name: "rl", config, ...options });
}

const perIp = {
  rules: [{ name: "per-ip", key: { clientIp: true }, maxTokens: 2, tokensPerFill: 2, fillInterval: "1s" }],
};

Deno.test("ratelimit: a client IP gets maxTokens requests, then 429 with x-ratelimit-* and RL details, until the bucket refills", async () => {
  await using host = await load(perIp);
  const from = (ip: string) => host.stream({ source: `${ip}:40000` }).sendRequestHeaders({ ":path": "/a" });
  assert.equal(from("10.0.0.1").action, "continue");
  assert.equal(from("10.0.0.1").action, "continue");
  const limited = from("10.0.0.1");
  assert.equal(limited.action, "reply");
  assert.deepEqual(limited.action === "reply" && limited.reply, {
    status: 429,
    body: "local_rate_limited",
    headers: { "x-ratelimit-limit": "2, 2;w=1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" },
    details: "local_rate_limited",
    grpcStatus: undefined,
  });
  assert.equal(from("10.0.0.2").action, "continue", "another client has its own bucket");
  host.clock.advance(999);
  assert.equal(from("10.0.0.1").action, "reply", "not refilled before the interval");
  host.clock.advance(1);
  assert.equal(from("10.0.0.1").action, "continue");
  assert.equal(from("10.0.0.1").action, "continue");
  assert.equal(from("10.0.0.1").action, "reply");
  assert.equal(host.metric("ratelimit_rl_allowed"), 5);
  assert.equal(host.metric("ratelimit_rl_limited"), 3);
});

Deno.test("ratelimit: the bucket lives in shared data, so a second VM of the plugin draws from the same tokens", async () => {
  await using first = await load(perIp);
  await using second = await load(perIp, { shareWith: first });
  const send = (host: FilterHost) => host.stream({ source: "10.0.0.9:1" }).sendRequestHeaders({}).action;
  assert.equal(send(first), "continue");
  assert.equal(send(second), "continue");
  assert.equal(send(first), "reply");
  assert.equal(send(second), "reply");
  assert.match(first.shared("ratelimit/rl/per-ip/10.0.0.9")!, /^0:\d+$/);
});

Deno.test("ratelimit: keys from a header, the path, a JWT claim header and a property; a request without the key is not limited", async () => {
  await using host = await load({
    rules: [
      { name: "user", key: { header: "x-user" }, maxTokens: 1, fillInterval: "1m" },
      { name: "path", key: { path: true }, match: { pathPrefix: "/p/" }, maxTokens: 1, fillInterval: "1m" },
      { name: "sub", key: { jwtClaim: { header: "x-jwt-sub" } }, maxTokens: 1, fillInterval: "1m" },
      { name: "tenant", key: { property: "metadata.tenant" }, maxTokens: 1, fillInterval: "1m" },
    ],
  });
  const send = (headers: Record<string, string>, properties: Record<string, string> = {}) =>
    host.stream({ properties }).sendRequestHeaders(headers).action;
  assert.equal(send({ "x-user": "a" }), "continue");
  assert.equal(send({ "x-user": "a" }), "reply");
  assert.equal(send({ "x-user": "b" }), "continue");
  assert.equal(send({}), "continue", "no x-user: the rule does not apply");
  assert.equal(send({}), "continue");
  assert.equal(send({ ":path": "/p/1?x=1" }), "continue");
  assert.equal(send({ ":path": "/p/1?x=2" }), "reply", "the query is not part of the path key");
  assert.equal(send({ ":path": "/p/2" }), "continue");
  assert.equal(send({ "x-jwt-sub": "alice" }), "continue");
  assert.equal(send({ "x-jwt-sub": "alice" }), "reply");
  assert.equal(send({}, { "metadata.tenant": "t1" }), "continue");
  assert.equal(send({}, { "metadata.tenant": "t1" }), "reply");
  assert.equal(send({}, { "metadata.tenant": "t2" }), "continue");
});

Deno.test("ratelimit: per-route limits match the route name or a path prefix; every matching rule takes a token", async () => {
  await using host = await load({
    statusCode: 503,
    body: "slow down\n",
    rules: [
      { name: "login", match: { routes: ["login"] }, maxTokens: 1, fillInterval: "10s" },
      { name: "api", match: { path: { prefix: "/api/" } }, key: { clientIp: true }, maxTokens: 3 },
    ],
  });
  const send = (route: string, path: string) =>
    host.stream({ routeName: route }).sendRequestHeaders({ ":path": path });
  assert.equal(send("login", "/login").action, "continue");
  const r = send("login", "/login");
  assert.equal(r.action, "reply");
  assert.equal(r.action === "reply" && r.reply.status, 503);
  assert.equal(r.action === "reply" && r.reply.body, "slow down\n");
  assert.equal(r.action === "reply" && r.reply.headers["x-ratelimit-limit"], "1, 1;w=10");
  assert.equal(send("other", "/login").action, "continue", "another route is not limited by the login rule");
  assert.equal(send("other", "/api/a").action, "continue");
  assert.equal(send("other", "/api/b").action, "continue");
  assert.equal(send("other", "/api/c").action, "continue");
  assert.equal(send("other", "/api/d").action, "reply");
  assert.equal(send("other", "/web").action, "continue");
});

Deno.test("ratelimit: headersOnSuccess adds the tightest bucket's x-ratelimit-* to allowed responses", async () => {
  await using host = await load({
    headersOnSuccess: true,
    rules: [
      { name: "wide", maxTokens: 100, fillInterval: "1m" },
      { name: "narrow", key: { header: "x-user" }, maxTokens: 5, tokensPerFill: 1, fillInterval: "2s" },
    ],
  });
  const stream = host.stream();
  assert.equal(stream.sendRequestHeaders({ "x-user": "u" }).action, "continue");
  assert.equal(stream.sendResponseHeaders(200).action, "continue");
  assert.equal(stream.responseHeader("x-ratelimit-limit"), "5, 5;w=2");
  assert.equal(stream.responseHeader("x-ratelimit-remaining"), "4");
  assert.equal(stream.responseHeader("x-ratelimit-reset"), "2");
  stream.complete();
  host.clock.advance(1500);
  const later = host.stream();
  later.sendRequestHeaders({ "x-user": "u" });
  later.sendResponseHeaders(200);
  assert.equal(later.responseHeader("x-ratelimit-remaining"), "3");
  assert.equal(later.responseHeader("x-ratelimit-reset"), "1", "the next fill is 0.5 s away: rounded up");
});

Deno.test("ratelimit: an invalid configuration fails the plugin with a logged reason", async () => {
  const bad: [unknown, RegExp][] = [
    [{}, /rules must list at least one rule/],
    [{ rules: [{ name: "x", maxTokens: 0 }] }, /rules\[0\]\.maxTokens must be a positive integer/],
    [
      { rules: [{ name: "x", maxTokens: 1, fillInterval: "soon" }] },
      /fillInterval must be a positive duration/,
    ],
    [{ rules: [{ name: "x", maxTokens: 1, key: { cookie: "a" } }] }, /rules\[0\]\.key must have one of/],
    [{ rules: [{ maxTokens: 1 }] }, /rules\[0\]\.name is required/],
    [
      { rules: [{ name: "x", maxTokens: 1 }, { name: "x", maxTokens: 1 }] },
      /rules\[1\]\.name "x" is repeated/,
    ],
  ];
  for (const [config, reason] of bad) {
    await assert.rejects(FilterHost.load(RATELIMIT, { config: config as Record<string, unknown> }), reason);
  }
});
