import assert from "node:assert/strict";
import { FilterHost } from "../../filters/testing/mod.ts";

const HEADER_REWRITE = new URL("../../filters/header-rewrite/", import.meta.url);

Deno.test("header-rewrite: set, append and remove request and response headers by path, host, method and header", async () => {
  await using host = await FilterHost.load(HEADER_REWRITE, {
    config: {
      rules: [
        {
          name: "api",
          match: { path: { prefix: "/api/" } },
          request: { set: { "x-api": "yes" }, append: { "x-trace": "api" }, remove: ["Cookie"] },
          response: { set: { "cache-control": "no-store" }, remove: ["server-timing"] },
        },
        {
          name: "shop-host",
          match: { host: { suffix: ".shop.example" }, methods: ["get"] },
          request: { append: { "x-trace": "shop" } },
        },
        {
          name: "beta",
          match: { headers: [{ name: "x-beta", exact: "1" }] },
          response: { append: { vary: "x-beta" } },
        },
      ],
    },
  });
  const api = host.stream();
  assert.equal(
    api.sendRequestHeaders({
      ":path": "/api/v1?q=1",
      ":authority": "eu.shop.example:8080",
      cookie: "s=1",
      "x-trace": "client",
      "x-beta": "1",
    }).action,
    "continue",
  );
  assert.equal(api.requestHeader("x-api"), "yes");
  assert.equal(api.requestHeader("cookie"), null);
  assert.deepEqual(
    api.requestHeaders!.getAll("x-trace"),
    ["client", "api", "shop"],
    "every matching rule applies, in order",
  );
  assert.equal(api.routeCacheCleared, true, "request header edits make the route be chosen again");
  api.sendResponseHeaders(200, { "server-timing": "db;dur=3", vary: "accept" });
  assert.equal(api.responseHeader("cache-control"), "no-store");
  assert.equal(api.responseHeader("server-timing"), null);
  assert.deepEqual(api.responseHeaders!.getAll("vary"), ["accept", "x-beta"]);

  const other = host.stream();
  other.sendRequestHeaders({
    ":path": "/web",
    ":authority": "shop.example",
    ":method": "POST",
    cookie: "s=1",
  });
  assert.equal(other.requestHeader("cookie"), "s=1");
  assert.equal(
    other.requestHeader("x-trace"),
    null,
    "suffix .shop.example does not match shop.example, and POST is not GET",
  );
  other.sendResponseHeaders(200, { "server-timing": "x" });
  assert.equal(other.responseHeader("server-timing"), "x");
  assert.equal(other.responseHeader("cache-control"), null);
});

Deno.test("header-rewrite: redirects keep what they do not replace (scheme, host, path, query) and carry response headers", async () => {
  await using host = await FilterHost.load(HEADER_REWRITE, {
    config: {
      rules: [
        {
          name: "https",
          match: { headers: [{ name: "x-forwarded-proto", exact: "http" }] },
          redirect: { scheme: "https" },
        },
        {
          name: "moved",
          match: { path: { prefix: "/old/" } },
          redirect: { status: 302, prefixRewrite: "/new/" },
          response: { set: { "cache-control": "max-age=60" } },
        },
        {
          name: "home",
          match: { path: { exact: "/home" } },
          redirect: { host: "www.example.com", path: "/", stripQuery: true },
        },
      ],
    },
  });
  const send = (headers: Record<string, string>) => {
    const r = host.stream().sendRequestHeaders({ ":authority": "example.com", ...headers });
    assert.equal(r.action, "reply");
    return r.action === "reply" ? r.reply : undefined;
  };
  assert.deepEqual(send({ ":path": "/a?b=1", "x-forwarded-proto": "http" }), {
    status: 301,
    body: "",
    headers: { location: "https://example.com/a?b=1" },
    details: "header_rewrite_redirect",
    grpcStatus: undefined,
  });
  const moved = send({ ":path": "/old/page?x=1" });
  assert.equal(moved?.status, 302);
  assert.deepEqual(moved?.headers, {
    location: "http://example.com/new/page?x=1",
    "cache-control": "max-age=60",
  });
  assert.equal(send({ ":path": "/home?utm=1" })?.headers.location, "http://www.example.com/");
  assert.equal(host.stream().sendRequestHeaders({ ":path": "/other" }).action, "continue");
});

Deno.test("header-rewrite: an invalid configuration fails the plugin with the reason", async () => {
  const bad: [Record<string, unknown> | string, RegExp][] = [
    [{}, /rules must list at least one rule/],
    [{ rules: [{ name: "x" }] }, /rules\[0\] does nothing/],
    [
      { rules: [{ request: { set: { a: 1 } } }] },
      /rules\[0\]\.request\.set must map header names to strings/,
    ],
    [{ rules: [{ redirect: { status: 200 } }] }, /redirect\.status must be 301, 302, 303, 307 or 308/],
    [{ rules: [{ redirect: { prefixRewrite: "/x" } }] }, /prefixRewrite needs match\.path to be a prefix/],
    [{ rules: [{ match: { host: { regex: "a" } }, redirect: {} }] }, /match\.host must be/],
    ["{not json", /the configuration is not JSON/],
  ];
  for (const [config, reason] of bad) {
    await assert.rejects(FilterHost.load(HEADER_REWRITE, { config }), reason);
  }
});
