import assert from "node:assert/strict";
import { FilterHost, type Outcome } from "../../filters/testing/mod.ts";

const ACL = new URL("../../filters/acl/", import.meta.url);

function status(outcome: Outcome): number | "continue" | string {
  if (outcome.action === "reply") return outcome.reply.status;
  return outcome.action;
}

Deno.test("acl: a deny-list by CIDR (IPv4, IPv6, odd prefix lengths) denies matching clients with 403 and the default body", async () => {
  await using host = await FilterHost.load(ACL, {
    name: "acl",
    config: {
      rules: [{
        name: "bad-nets",
        action: "deny",
        match: { cidrs: ["10.0.0.0/8", "192.168.16.0/20", "2001:db8::/32"] },
      }],
    },
  });
  const from = (source: string) => status(host.stream({ source }).sendRequestHeaders({}));
  assert.equal(from("10.1.2.3:1000"), 403);
  assert.equal(from("11.1.2.3:1000"), "continue");
  assert.equal(from("192.168.31.255:1"), 403);
  assert.equal(from("192.168.32.0:1"), "continue");
  assert.equal(from("192.168.15.255:1"), "continue");
  assert.equal(from("[2001:db8:1::5]:443"), 403);
  assert.equal(from("[2001:db9::5]:443"), "continue");
  assert.equal(from("[::ffff:10.9.9.9]:1"), 403, "IPv4-mapped addresses match IPv4 ranges");
  const denied = host.stream({ source: "10.0.0.1:1" });
  denied.sendRequestHeaders({});
  assert.deepEqual(denied.reply, {
    status: 403,
    body: "access denied\n",
    headers: {},
    details: "acl_denied",
    grpcStatus: undefined,
  });
  assert.equal(host.metric("acl_acl_denied"), 5);
  assert.equal(host.metric("acl_acl_allowed"), 4);
});

Deno.test("acl: an allow-list with defaultAction deny; X-Forwarded-For is honoured only with xffTrustedHops", async () => {
  const config = (hops: number) => ({
    defaultAction: "deny",
    xffTrustedHops: hops,
    status: 401,
    body: "who are you?\n",
    rules: [{ name: "office", action: "allow", match: { cidrs: ["203.0.113.0/24"] } }],
  });
  await using direct = await FilterHost.load(ACL, { config: config(0) });
  await using behindLb = await FilterHost.load(ACL, { config: config(1) });
  // As a gateway hands requests to its filters: X-Forwarded-For with the peer appended (Envoy's connection manager).
  const send = (host: FilterHost, source: string, xff?: string) => {
    const peer = source.slice(0, source.lastIndexOf(":"));
    return host.stream({ source }).sendRequestHeaders({ "x-forwarded-for": xff ? `${xff},${peer}` : peer });
  };
  assert.equal(status(send(direct, "203.0.113.7:1")), "continue");
  const denied = send(direct, "198.51.100.1:1", "203.0.113.7");
  assert.equal(status(denied), 401, "a client-sent X-Forwarded-For is not trusted by default");
  assert.equal(denied.action === "reply" && denied.reply.body, "who are you?\n");
  assert.equal(status(send(behindLb, "198.51.100.1:1", "1.1.1.1, 203.0.113.7")), "continue");
  assert.equal(
    status(send(behindLb, "198.51.100.1:1", "203.0.113.7, 1.1.1.1")),
    401,
    "only the hop the LB saw counts",
  );
  assert.equal(status(send(behindLb, "203.0.113.7:1")), "continue", "no header: the peer");
});

Deno.test("acl: paths (exact, prefix, suffix, glob), methods and header values; the first matching rule decides", async () => {
  await using host = await FilterHost.load(ACL, {
    config: {
      rules: [
        { name: "health", action: "allow", match: { paths: [{ exact: "/admin/health" }] } },
        { name: "admin", action: "deny", status: 404, body: "", match: { paths: [{ prefix: "/admin" }] } },
        {
          name: "php",
          action: "deny",
          match: { paths: [{ suffix: ".php" }, { glob: "/users/*/secrets/*" }] },
        },
        {
          name: "writes",
          action: "deny",
          status: 405,
          match: { methods: ["post", "DELETE"], paths: [{ prefix: "/ro/" }] },
        },
        {
          name: "evil",
          action: "deny",
          match: { headers: [{ name: "X-Tenant", exact: "evil", ignoreCase: true }] },
        },
        {
          name: "no-key",
          action: "deny",
          match: { paths: [{ prefix: "/api/" }], headers: [{ name: "x-api-key", invert: true }] },
        },
      ],
    },
  });
  const send = (headers: Record<string, string>) => status(host.stream().sendRequestHeaders(headers));
  assert.equal(send({ ":path": "/admin/health" }), "continue");
  assert.equal(send({ ":path": "/admin/users" }), 404);
  assert.equal(send({ ":path": "/index.php?x=1" }), 403);
  assert.equal(send({ ":path": "/users/7/secrets/key" }), 403);
  assert.equal(send({ ":path": "/users/7/profile" }), "continue");
  assert.equal(send({ ":path": "/ro/x", ":method": "POST" }), 405);
  assert.equal(send({ ":path": "/ro/x", ":method": "GET" }), "continue");
  assert.equal(send({ ":path": "/rw/x", ":method": "DELETE" }), "continue");
  assert.equal(send({ "x-tenant": "EVIL" }), 403);
  assert.equal(send({ "x-tenant": "good" }), "continue");
  assert.equal(send({ ":path": "/api/a" }), 403);
  assert.equal(send({ ":path": "/api/a", "x-api-key": "k" }), "continue");
});

Deno.test("acl: a denier (a deny rule matching everything) answers every request", async () => {
  await using host = await FilterHost.load(ACL, {
    config: { status: 503, body: "maintenance\n", rules: [{ name: "denier", action: "deny" }] },
  });
  const r = host.stream().sendRequestHeaders({ ":path": "/anything" });
  assert.equal(r.action === "reply" && r.reply.body, "maintenance\n");
  assert.equal(status(r), 503);
});

Deno.test("acl: an invalid configuration fails the plugin with the reason", async () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ rules: [{ action: "maybe" }] }, /rules\[0\]\.action must be allow or deny/],
    [
      { rules: [{ action: "deny", match: { cidrs: ["10.0.0.0/33"] } }] },
      /cidrs\[0\] is not an address or CIDR/,
    ],
    [
      { rules: [{ action: "deny", match: { cidrs: ["10.0.0.300"] } }] },
      /cidrs\[0\] is not an address or CIDR/,
    ],
    [{ rules: [{ action: "deny", match: { paths: [{ regex: ".*" }] } }] }, /paths\[0\] must be/],
    [{ rules: [{ action: "deny", match: { headers: [{ exact: "x" }] } }] }, /headers\[0\]\.name is required/],
    [{ defaultAction: "drop" }, /defaultAction must be allow or deny/],
    [{ status: 99 }, /status must be an HTTP status/],
  ];
  for (const [config, reason] of bad) await assert.rejects(FilterHost.load(ACL, { config }), reason);
});
