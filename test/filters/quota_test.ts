import assert from "node:assert/strict";
import { FilterHost, type Outcome } from "../../filters/testing/mod.ts";

const QUOTA = new URL("../../filters/quota/", import.meta.url);
/** 2026-11-22T10:00:30Z: 30 s into a minute, 10 h 30 s into a day. */
const START = Date.UTC(2026, 10, 22, 10, 0, 30);

function code(o: Outcome): number | string {
  return o.action === "reply" ? o.reply.status : o.action;
}

Deno.test("quota: fixed windows aligned to UTC; every quota is checked before any is counted", async () => {
  await using host = await FilterHost.load(QUOTA, {
    name: "q",
    startMs: START,
    config: {
      rules: [{
        name: "key",
        key: { header: "x-api-key" },
        limits: [{ unit: "minute", requests: 2 }, { unit: "hour", requests: 3 }],
      }],
    },
  });
  const send = (key = "k1") => host.stream().sendRequestHeaders({ "x-api-key": key });
  assert.equal(code(send()), "continue");
  assert.equal(code(send()), "continue");
  const refused = send();
  assert.equal(code(refused), 429);
  assert.deepEqual(refused.action === "reply" && refused.reply, {
    status: 429,
    body: "quota exceeded\n",
    headers: { "x-ratelimit-limit": "2, 2;w=60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" },
    details: "request_rate_limited",
    grpcStatus: undefined,
  });
  assert.equal(code(send("k2")), "continue", "keys count apart");
  host.clock.advance(29_999);
  assert.equal(code(send()), 429, "still the same minute");
  host.clock.advance(1);
  assert.equal(code(send()), "continue", "a new minute: the refused requests were not counted in the hour");
  const hour = send();
  assert.equal(code(hour), 429);
  assert.equal(hour.action === "reply" && hour.reply.headers["x-ratelimit-limit"], "3, 3;w=3600");
  assert.equal(hour.action === "reply" && hour.reply.headers["x-ratelimit-reset"], "3540");
  assert.equal(host.shared("quota/q/key/hour/k1"), `${Date.UTC(2026, 10, 22, 10)}:3`);
  assert.equal(host.metric("quota_q_allowed"), 4);
  assert.equal(host.metric("quota_q_exceeded"), 3);
});

Deno.test("quota: counters are in shared data, so a new VM (a reloaded plugin) goes on counting", async () => {
  const config = {
    rules: [{ name: "day", key: { clientIp: true }, limits: [{ unit: "day", requests: 3 }] }],
  };
  await using before = await FilterHost.load(QUOTA, { name: "q", startMs: START, config });
  const send = (host: FilterHost) => code(host.stream({ source: "10.0.0.1:1" }).sendRequestHeaders({}));
  assert.equal(send(before), "continue");
  assert.equal(send(before), "continue");
  await before.dispose();
  await using after = await FilterHost.load(QUOTA, {
    name: "q",
    shareWith: before,
    config: { ...config, body: "come back tomorrow\n" },
  });
  assert.equal(send(after), "continue");
  const r = after.stream({ source: "10.0.0.1:1" }).sendRequestHeaders({});
  assert.equal(r.action === "reply" && r.reply.body, "come back tomorrow\n");
  after.clock.advance(14 * 3600_000);
  assert.equal(send(after), "continue", "the next UTC day");
});

Deno.test("quota: routes and paths select rules; headersOnSuccess reports the tightest quota", async () => {
  await using host = await FilterHost.load(QUOTA, {
    startMs: START,
    config: {
      headersOnSuccess: true,
      rules: [
        { name: "api", match: { routes: ["api"] }, limits: [{ unit: "second", requests: 1 }] },
        { name: "all", match: { path: { prefix: "/" } }, limits: [{ unit: "day", requests: 100 }] },
      ],
    },
  });
  const api = host.stream({ routeName: "api" });
  assert.equal(code(api.sendRequestHeaders({})), "continue");
  api.sendResponseHeaders(200);
  assert.equal(api.responseHeader("x-ratelimit-limit"), "1, 1;w=1");
  assert.equal(api.responseHeader("x-ratelimit-remaining"), "0");
  assert.equal(code(host.stream({ routeName: "api" }).sendRequestHeaders({})), 429);
  const web = host.stream({ routeName: "web" });
  assert.equal(code(web.sendRequestHeaders({})), "continue");
  web.sendResponseHeaders(200);
  assert.equal(
    web.responseHeader("x-ratelimit-remaining"),
    "98",
    "the day quota counted api once (not the refused one) and web",
  );
});

Deno.test("quota: an invalid configuration fails the plugin with the reason", async () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{}, /rules must list at least one rule/],
    [{ rules: [{ name: "x" }] }, /rules\[0\]\.limits must list/],
    [
      { rules: [{ name: "x", limits: [{ unit: "week", requests: 1 }] }] },
      /unit must be second, minute, hour or day/,
    ],
    [{ rules: [{ name: "x", limits: [{ unit: "day" }] }] }, /requests must be a number >= 0/],
    [{ rules: [{ limits: [{ unit: "day", requests: 1 }] }] }, /rules\[0\]\.name is required/],
  ];
  for (const [config, reason] of bad) await assert.rejects(FilterHost.load(QUOTA, { config }), reason);
});
