import assert from "node:assert/strict";
import {
  hostMatches,
  hostsForNamespace,
  intersectHosts,
  normalizeAuthority,
  parseServerHost,
  resolveShortName,
} from "../../gateway/config/hosts.ts";

Deno.test("resolveShortName() resolves short names in the namespace and keeps FQDNs", () => {
  assert.equal(resolveShortName("reviews", "default"), "reviews.default.svc.cluster.local");
  assert.equal(resolveShortName("Reviews", "bookinfo"), "reviews.bookinfo.svc.cluster.local");
  assert.equal(resolveShortName("httpbin.org", "default"), "httpbin.org");
  assert.equal(resolveShortName("*", "default"), "*");
  assert.equal(resolveShortName("*.example.com", "default"), "*.example.com");
});

Deno.test("hostMatches() follows Istio wildcard rules", () => {
  assert.ok(hostMatches("*", "anything.example"));
  assert.ok(hostMatches("*.example.com", "a.example.com"));
  assert.ok(hostMatches("*.example.com", "a.b.example.com"), "any depth");
  assert.ok(!hostMatches("*.example.com", "example.com"), "not the bare domain");
  assert.ok(hostMatches("*.example.com", "*.a.example.com"));
  assert.ok(!hostMatches("*.a.example.com", "*.example.com"));
  assert.ok(!hostMatches("a.example.com", "b.example.com"));
});

Deno.test("intersectHosts() keeps the more specific name", () => {
  assert.equal(intersectHosts("*.example.com", "a.example.com"), "a.example.com");
  assert.equal(intersectHosts("a.example.com", "*.example.com"), "a.example.com");
  assert.equal(intersectHosts("*", "bookinfo.com"), "bookinfo.com");
  assert.equal(intersectHosts("*", "*"), "*");
  assert.equal(intersectHosts("a.com", "b.com"), undefined);
});

Deno.test("server hosts filter VirtualServices by namespace", () => {
  const hosts = ["prod/a.com", "./b.com", "c.com", "*/d.com"].map((h) => parseServerHost(h, "istio-system"));
  assert.deepEqual(hostsForNamespace(hosts, "prod"), ["a.com", "c.com", "d.com"]);
  assert.deepEqual(hostsForNamespace(hosts, "istio-system"), ["b.com", "c.com", "d.com"]);
  assert.deepEqual(hostsForNamespace(hosts, "other"), ["c.com", "d.com"]);
});

Deno.test("normalizeAuthority() lower-cases and drops the port", () => {
  assert.equal(normalizeAuthority("A.Example.com:8443"), "a.example.com");
  assert.equal(normalizeAuthority("[::1]:80"), "[::1]");
  assert.equal(normalizeAuthority("example.com"), "example.com");
});
