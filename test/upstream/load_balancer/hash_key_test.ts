import assert from "node:assert/strict";
import { cookieValue, hashKeyFor, makeSetCookie } from "../../../gateway/upstream/load_balancer/mod.ts";

const facts = (headers: Record<string, string>, extra: Record<string, string> = {}) => ({
  headers: new Headers(headers),
  ...extra,
});

Deno.test("hashKeyFor", async (t) => {
  await t.step("httpHeaderName: the header value; none when absent", () => {
    assert.deepEqual(hashKeyFor(facts({ "x-user": "alice" }), { httpHeaderName: "X-User" }), {
      hashKey: "alice",
    });
    assert.deepEqual(hashKeyFor(facts({}), { httpHeaderName: "x-user" }), {});
    assert.deepEqual(hashKeyFor(facts({ "x-user": "" }), { httpHeaderName: "x-user" }), { hashKey: "" });
  });

  await t.step("pseudo headers read the request line", () => {
    const f = facts({ host: "h.example" }, { path: "/a?b=1", method: "GET" });
    assert.deepEqual(hashKeyFor(f, { httpHeaderName: ":authority" }), { hashKey: "h.example" });
    assert.deepEqual(hashKeyFor({ ...f, authority: "x.example" }, { httpHeaderName: ":authority" }), {
      hashKey: "x.example",
    });
    assert.deepEqual(hashKeyFor(f, { httpHeaderName: ":path" }), { hashKey: "/a?b=1" });
    assert.deepEqual(hashKeyFor(f, { httpHeaderName: ":method" }), { hashKey: "GET" });
  });

  await t.step("httpCookie present: its value, quotes removed", () => {
    const f = facts({ cookie: 'a=1; session="abc"; b=2' });
    assert.deepEqual(hashKeyFor(f, { httpCookie: { name: "session", ttl: "10s" } }), { hashKey: "abc" });
    assert.deepEqual(
      hashKeyFor(facts({ cookie: "xsession=1;session=two" }), { httpCookie: { name: "session" } }),
      {
        hashKey: "two",
      },
    );
  });

  await t.step("httpCookie absent with ttl: generated, hashed on and set", () => {
    const conn = { remoteAddress: "192.0.2.1:5555", localAddress: "10.0.0.1:8080" };
    const r = hashKeyFor(facts({}, conn), { httpCookie: { name: "sticky", path: "/", ttl: "1h" } });
    assert.match(r.hashKey!, /^[0-9a-f]{16}$/);
    assert.equal(r.setCookie, `sticky="${r.hashKey}"; Max-Age=3600; Path=/; HttpOnly`);
    const again = hashKeyFor(facts({}, conn), { httpCookie: { name: "sticky", path: "/", ttl: "1h" } });
    assert.equal(again.hashKey, r.hashKey, "same connection, same cookie");
    const other = hashKeyFor(facts({}, { ...conn, remoteAddress: "192.0.2.1:5556" }), {
      httpCookie: { name: "sticky", ttl: "1h" },
    });
    assert.notEqual(other.hashKey, r.hashKey);
  });

  await t.step("ttl 0 makes a session cookie; attributes are appended; no ttl, no cookie", () => {
    const r = hashKeyFor(facts({}), {
      httpCookie: {
        name: "s",
        ttl: "0s",
        attributes: [{ name: "SameSite", value: "Strict" }, { name: "Secure" }],
      },
    });
    assert.equal(r.setCookie, `s="${r.hashKey}"; SameSite=Strict; Secure; HttpOnly`);
    assert.deepEqual(hashKeyFor(facts({}), { httpCookie: { name: "s" } }), {});
    assert.equal(makeSetCookie("n", "v", undefined, 90), 'n="v"; Max-Age=90; HttpOnly');
    assert.equal(makeSetCookie("n", "v", "/p", 1.5 | 0), 'n="v"; Max-Age=1; Path=/p; HttpOnly');
  });

  await t.step("useSourceIp and httpQueryParameterName", () => {
    assert.deepEqual(hashKeyFor(facts({}, { sourceIp: "203.0.113.9" }), { useSourceIp: true }), {
      hashKey: "203.0.113.9",
    });
    assert.deepEqual(hashKeyFor(facts({}), { useSourceIp: true }), {});
    const q = facts({}, { path: "/x?user=a%20b&user=c#frag" });
    assert.deepEqual(hashKeyFor(q, { httpQueryParameterName: "user" }), { hashKey: "a b" });
    assert.deepEqual(hashKeyFor(q, { httpQueryParameterName: "other" }), {});
    assert.deepEqual(hashKeyFor(facts({}, { path: "/x" }), { httpQueryParameterName: "user" }), {});
  });

  await t.step("no settings or no method: no key", () => {
    assert.deepEqual(hashKeyFor(facts({ a: "1" }), undefined), {});
    assert.deepEqual(hashKeyFor(facts({ a: "1" }), { maglev: {} }), {});
  });

  await t.step("cookieValue parses like Envoy", () => {
    const h = new Headers({ cookie: ' a = 1; b="x"; c' });
    assert.equal(cookieValue(h, "b"), "x");
    assert.equal(cookieValue(h, "a "), " 1");
    assert.equal(cookieValue(h, "c"), undefined);
    assert.equal(cookieValue(new Headers(), "b"), undefined);
  });
});
