import assert from "node:assert/strict";
import type { Rule } from "../../../gateway/config/kinds/security/authorization_policy.ts";
import { compileRule } from "../../../gateway/compile/authz/rule.ts";
import { attrs, type TestRequest } from "./helpers.ts";

/** Which of `requests` the rule matches, as booleans in order. */
function matches(rule: Rule, ...requests: TestRequest[]): boolean[] {
  const test = compileRule(rule, "foo");
  return requests.map((r) => test(attrs(r)));
}

const SPIFFE_A = "spiffe://cluster.local/ns/foo/sa/a";
const JWT = { iss: "https://issuer.example", sub: "alice", aud: ["api", "web"], azp: "cli" };

Deno.test("rule: an empty rule matches everything; from, to and when are AND'ed, lists OR'ed", () => {
  assert.deepEqual(matches({}, {}, { method: "POST", path: "/x" }), [true, true]);
  const rule: Rule = {
    from: [{ source: { ipBlocks: ["10.0.0.0/8"] } }, { source: { ipBlocks: ["192.168.0.1"] } }],
    to: [{ operation: { methods: ["GET"], paths: ["/a"] } }, { operation: { methods: ["POST"] } }],
    when: [{ key: "request.headers[x-a]", values: ["1"] }, { key: "request.headers[x-b]", values: ["2"] }],
  };
  const ok = { headers: { "x-a": "1", "x-b": "2" } };
  assert.deepEqual(
    matches(
      rule,
      { ...ok, path: "/a" },
      { ...ok, peer: "192.168.0.1", method: "POST", path: "/z" },
      { ...ok, peer: "172.16.0.1", path: "/a" },
      { ...ok, path: "/b" },
      { headers: { "x-a": "1" }, path: "/a" },
    ),
    [true, true, false, false, false],
  );
});

Deno.test("rule: hosts are case-insensitive and port-sensitive; prefix, suffix and * patterns; notHosts", () => {
  const hosts = (values: string[], authority: string) =>
    matches({ to: [{ operation: { hosts: values } }] }, { authority })[0];
  assert.equal(hosts(["secret.com"], "Secret.COM"), true, "case does not matter");
  assert.equal(hosts(["secret.com"], "secret.com:80"), false, "the port is part of the host");
  assert.equal(hosts(["secret.com", "secret.com:*"], "secret.com:80"), true);
  assert.equal(hosts(["*.example.com"], "A.Example.com"), true);
  assert.equal(hosts(["*.example.com"], "example.com"), false);
  assert.equal(hosts(["api.*"], "API.foo"), true);
  assert.equal(hosts(["*"], "anything"), true);
  assert.deepEqual(
    matches({ to: [{ operation: { notHosts: ["secret.com"] } }] }, { authority: "SECRET.com" }, {
      authority: "other",
    }),
    [false, true],
  );
});

Deno.test("rule: methods, ports and their not forms", () => {
  assert.deepEqual(
    matches({ to: [{ operation: { methods: ["GET", "HEAD"] } }] }, { method: "GET" }, { method: "POST" }),
    [true, false],
  );
  assert.deepEqual(
    matches({ to: [{ operation: { methods: ["GET", "post"] } }] }, { method: "POST" }),
    [false],
    "methods are case-sensitive",
  );
  assert.deepEqual(
    matches({ to: [{ operation: { notMethods: ["GET"] } }] }, { method: "GET" }, { method: "DELETE" }),
    [false, true],
  );
  assert.deepEqual(
    matches({ to: [{ operation: { ports: ["8080"] } }] }, {}, { localAddress: "127.0.0.1:9090" }),
    [true, false],
    "ports: the port the listener is bound to",
  );
  assert.deepEqual(
    matches({ to: [{ operation: { notPorts: ["8080"] } }] }, {}, { localAddress: "[::1]:9090" }),
    [false, true],
  );
});

Deno.test("rule: paths exact, prefix, suffix, presence and templates; the query is not part of the path", () => {
  const paths = (values: string[], path: string) =>
    matches({ to: [{ operation: { paths: values } }] }, { path })[0];
  assert.equal(paths(["/admin"], "/admin?x=1"), true);
  assert.equal(paths(["/admin"], "/admin/"), false);
  assert.equal(paths(["/admin"], "/ADMIN"), false, "paths are case-sensitive");
  assert.equal(paths(["/api/*"], "/api/v1/x"), true);
  assert.equal(paths(["/api/*"], "/api"), false);
  assert.equal(paths(["*.png"], "/img/a.png"), true);
  assert.equal(paths(["*"], "/anything"), true);
  assert.equal(paths(["/store/{*}/items"], "/store/42/items"), true);
  assert.equal(paths(["/store/{*}/items"], "/store/4/2/items"), false, "{*} is one segment");
  assert.equal(paths(["/store/{*}/items"], "/store//items"), false, "{*} is not empty");
  assert.equal(paths(["/files/{**}"], "/files/a/b/c.txt"), true);
  assert.equal(paths(["/files/{**}"], "/files/"), true, "{**} may be empty");
  assert.equal(paths(["/files/{**}"], "/files"), false);
  assert.equal(paths(["/a.b/{*}"], "/aXb/c"), false, "literal segments are not regexes");
  assert.deepEqual(
    matches({ to: [{ operation: { notPaths: ["/public/*"] } }] }, { path: "/public/x" }, { path: "/admin" }),
    [false, true],
  );
});

Deno.test("rule: ipBlocks read the peer, remoteIpBlocks the client from X-Forwarded-For (numTrustedProxies)", () => {
  const xff = { headers: { "x-forwarded-for": "1.2.3.4, 5.6.7.8" } };
  assert.deepEqual(
    matches({ from: [{ source: { ipBlocks: ["10.0.0.0/16"] } }] }, {}, { peer: "10.1.0.1" }, xff),
    [true, false, true],
    "the forwarded addresses do not change the peer",
  );
  const remote: Rule = { from: [{ source: { remoteIpBlocks: ["5.6.7.0/24"] } }] };
  assert.deepEqual(
    matches(remote, xff, { ...xff, trustedHops: 1 }, { ...xff, trustedHops: 2 }),
    [false, true, false],
    "0 trusted hops: the peer; 1: the last forwarded address; 2: the one before",
  );
  assert.deepEqual(
    matches({ from: [{ source: { notRemoteIpBlocks: ["1.2.3.4"] } }] }, { ...xff, trustedHops: 2 }, xff),
    [false, true],
  );
  assert.deepEqual(
    matches({ from: [{ source: { notIpBlocks: ["10.0.0.1"] } }] }, {}, { peer: "::1" }),
    [false, true],
  );
  assert.deepEqual(matches({ from: [{ source: { ipBlocks: ["::1"] } }] }, { peer: "::1" }, {}), [
    true,
    false,
  ]);
});

Deno.test("rule: principals, namespaces and service accounts need a peer identity (none without mTLS)", () => {
  const plain = {};
  const a = { peerPrincipal: SPIFFE_A };
  const b = { peerPrincipal: "spiffe://cluster.local/ns/bar/sa/b" };
  assert.deepEqual(matches({ from: [{ source: { principals: ["*"] } }] }, plain, a), [false, true]);
  assert.deepEqual(
    matches({ from: [{ source: { principals: ["cluster.local/ns/foo/sa/a"] } }] }, a, b),
    [true, false],
  );
  assert.deepEqual(matches({ from: [{ source: { principals: ["*/sa/b"] } }] }, a, b), [false, true]);
  assert.deepEqual(matches({ from: [{ source: { notPrincipals: ["*"] } }] }, plain, a), [true, false]);
  assert.deepEqual(matches({ from: [{ source: { namespaces: ["foo"] } }] }, plain, a, b), [
    false,
    true,
    false,
  ]);
  assert.deepEqual(matches({ from: [{ source: { namespaces: ["b*"] } }] }, a, b), [false, true]);
  assert.deepEqual(matches({ from: [{ source: { notNamespaces: ["foo"] } }] }, plain, a, b), [
    true,
    false,
    true,
  ]);
  assert.deepEqual(
    matches({ from: [{ source: { serviceAccounts: ["a"] } }] }, plain, a, b),
    [false, true, false],
    "a bare service account is in the policy's namespace",
  );
  assert.deepEqual(matches({ from: [{ source: { serviceAccounts: ["bar/b"] } }] }, a, b), [false, true]);
  assert.deepEqual(matches({ from: [{ source: { notServiceAccounts: ["bar/b"] } }] }, plain, b), [
    true,
    false,
  ]);
  assert.deepEqual(
    matches({ from: [{ source: { trustDomains: ["cluster.local"] } }] }, plain, a, {
      peerPrincipal: "spiffe://other.td/ns/foo/sa/a",
    }),
    [false, true, false],
  );
  assert.deepEqual(matches({ from: [{ source: { notTrustDomains: ["cluster.local"] } }] }, plain, a), [
    true,
    false,
  ]);
});

Deno.test("rule: requestPrincipals split <iss>/<sub> at the last slash, with * forms; no JWT never matches", () => {
  const rp = (values: string[], claims?: Record<string, unknown>) =>
    matches({ from: [{ source: { requestPrincipals: values } }] }, { claims })[0];
  assert.equal(rp(["https://issuer.example/alice"], JWT), true);
  assert.equal(rp(["https://issuer.example/bob"], JWT), false);
  assert.equal(rp(["*"], JWT), true);
  assert.equal(rp(["*"], undefined), false);
  assert.equal(rp(["*"], { iss: "x" }), false, "* needs a subject too");
  assert.equal(rp(["https://issuer.example/*"], JWT), true);
  assert.equal(rp(["*/alice"], JWT), true);
  assert.equal(rp(["*.example/alice"], JWT), true);
  assert.equal(rp(["https://issuer.example/al*"], JWT), true);
  assert.equal(rp(["https://iss*"], JWT), false, "split at the URL's last slash: issuer https:/");
  assert.equal(
    rp(["testing@*"], { iss: "testing@secure.istio.io", sub: "x" }),
    true,
    "issuer prefix, any subject",
  );
  assert.equal(rp(["*ice"], JWT), true, "suffix of the subject, any issuer");
  const not = { from: [{ source: { notRequestPrincipals: ["*"] } }] };
  assert.deepEqual(matches(not, {}, { claims: JWT }), [true, false]);
});

Deno.test("rule: when request.headers: exact/prefix/suffix, * is presence, notValues match a missing header", () => {
  const when = (c: Rule["when"], headers?: Record<string, string>) => matches({ when: c }, { headers })[0];
  assert.equal(when([{ key: "request.headers[X-Token]", values: ["admin"] }], { "x-token": "admin" }), true);
  assert.equal(when([{ key: "request.headers[x-token]", values: ["adm*"] }], { "x-token": "admin" }), true);
  assert.equal(when([{ key: "request.headers[x-token]", values: ["*min"] }], { "x-token": "admin" }), true);
  assert.equal(when([{ key: "request.headers[x-token]", values: ["admin"] }], { "x-token": "Admin" }), false);
  assert.equal(when([{ key: "request.headers[x-token]", values: ["*"] }], { "x-token": "" }), true);
  assert.equal(when([{ key: "request.headers[x-token]", values: ["*"] }], {}), false);
  assert.equal(when([{ key: "request.headers[x-token]", notValues: ["admin"] }], {}), true);
  assert.equal(
    when([{ key: "request.headers[x-token]", notValues: ["admin"] }], { "x-token": "admin" }),
    false,
  );
  assert.equal(
    when([{ key: "request.headers[x-forwarded-for]", values: ["*10.0.0.1"] }], {
      "x-forwarded-for": "1.1.1.1",
    }),
    true,
    "X-Forwarded-For as the filters see it: the peer appended",
  );
  assert.equal(when([{ key: "request.headers[:method]", values: ["GET"] }]), true, "pseudo-headers");
});

Deno.test("rule: when on addresses, destination, SNI and Envoy filter metadata", () => {
  const when = (c: Rule["when"], r: TestRequest = {}) => matches({ when: c }, r)[0];
  assert.equal(when([{ key: "source.ip", values: ["10.0.0.0/24"] }]), true);
  assert.equal(when([{ key: "source.ip", notValues: ["10.0.0.0/24"] }]), false);
  assert.equal(
    when([{ key: "remote.ip", values: ["1.2.3.4"] }], {
      headers: { "x-forwarded-for": "1.2.3.4" },
      trustedHops: 1,
    }),
    true,
  );
  assert.equal(when([{ key: "destination.ip", values: ["127.0.0.1"] }]), true);
  assert.equal(
    when([{ key: "destination.ip", values: ["0.0.0.0/0"] }], { localAddress: "0.0.0.0:8080" }),
    false,
    "unknown on a wildcard listener",
  );
  assert.equal(when([{ key: "destination.port", values: ["8080"] }]), true);
  assert.equal(when([{ key: "destination.port", notValues: ["8080"] }]), false);
  assert.equal(when([{ key: "connection.sni", values: ["*"] }]), false, "no SNI without TLS");
  assert.equal(when([{ key: "connection.sni", notValues: ["a.com"] }]), true);
  assert.equal(
    when([{ key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: ["[x]"] }]),
    false,
  );
  assert.equal(
    when([{ key: "experimental.envoy.filters.network.mysql_proxy[db.table]", notValues: ["x"] }]),
    true,
  );
});

Deno.test("rule: when on the JWT: principal, audiences, presenter, claims (lists, nested)", () => {
  const claims = {
    ...JWT,
    groups: ["group1", "group2"],
    org: { team: "red", level: 3 },
    scope: ["read", "write"],
  };
  const when = (c: Rule["when"], jwt: Record<string, unknown> | null = claims) =>
    matches({ when: c }, { claims: jwt ?? undefined })[0];
  assert.equal(when([{ key: "request.auth.principal", values: ["https://issuer.example/alice"] }]), true);
  assert.equal(when([{ key: "request.auth.principal", notValues: ["*"] }], null), true);
  assert.equal(when([{ key: "request.auth.audiences", values: ["web"] }]), true, "any element of a list");
  assert.equal(when([{ key: "request.auth.audiences", values: ["api"] }], { ...JWT, aud: "api" }), true);
  assert.equal(when([{ key: "request.auth.presenter", values: ["cli"] }]), true);
  assert.equal(when([{ key: "request.auth.presenter", values: ["web"] }]), false);
  assert.equal(when([{ key: "request.auth.claims[groups]", values: ["group1"] }]), true);
  assert.equal(when([{ key: "request.auth.claims[groups]", values: ["group3"] }]), false);
  assert.equal(when([{ key: "request.auth.claims[groups]", notValues: ["group2"] }]), false);
  assert.equal(when([{ key: "request.auth.claims[org][team]", values: ["red"] }]), true);
  assert.equal(
    when([{ key: "request.auth.claims[org][level]", values: ["3"] }]),
    false,
    "numbers never match",
  );
  assert.equal(
    when([{ key: "request.auth.claims[scope]", values: ["write"] }]),
    true,
    "split by the JWT step",
  );
  assert.equal(when([{ key: "request.auth.claims[sub]", values: ["ali*"] }]), true);
  assert.equal(when([{ key: "request.auth.claims[groups]", values: ["group1"] }], null), false);
  assert.equal(when([{ key: "request.auth.claims[groups]", notValues: ["group1"] }], null), true);
});
