import assert from "node:assert/strict";
import type { Cluster } from "../../gateway/compile/types.ts";
import { DnsCache } from "../../gateway/proxy/dns.ts";
import { EndpointResolver } from "../../gateway/proxy/endpoints.ts";

function cluster(resolution: Cluster["resolution"], addresses: string[]): Cluster {
  return {
    name: "c",
    host: "h",
    port: 80,
    protocol: "HTTP",
    resolution,
    endpoints: addresses.map((address) => ({ address, port: 80, labels: {}, weight: 1 })),
  };
}

Deno.test("EndpointResolver: static clusters use their endpoints as written", () => {
  const resolver = new EndpointResolver(new DnsCache({ resolve: () => Promise.reject(new Error("no dns")) }));
  const c = cluster("STATIC", ["10.0.0.1", "10.0.0.2"]);
  assert.equal(resolver.resolve(c), c.endpoints);
});

Deno.test("EndpointResolver: DNS clusters expand to every address, DNS_ROUND_ROBIN to the first", async () => {
  const lookups: string[] = [];
  const dns = new DnsCache({
    resolve: (host) => {
      lookups.push(host);
      return Promise.resolve(host === "svc.example" ? ["10.1.0.1", "10.1.0.2"] : []);
    },
  });
  const resolver = new EndpointResolver(dns);
  const strict = cluster("DNS", ["svc.example"]);
  const first = await resolver.resolve(strict);
  assert.deepEqual(first.map((e) => e.address), ["10.1.0.1", "10.1.0.2"]);
  assert.equal(resolver.resolve(strict), first, "cached answers are synchronous and keep their identity");
  const logical = cluster("DNS_ROUND_ROBIN", ["svc.example"]);
  assert.deepEqual((resolver.resolve(logical) as readonly { address: string }[]).map((e) => e.address), [
    "10.1.0.1",
  ]);
  assert.deepEqual(lookups, ["svc.example"]);
  assert.deepEqual(
    await resolver.resolve(cluster("DNS", ["nothing.example"])),
    [],
    "no addresses: no endpoints",
  );
});

Deno.test("DnsCache: refreshes after the refresh interval in the background and keeps the last good answer", async () => {
  let now = 0;
  let answer: string[] | Error = ["10.0.0.1"];
  const dns = new DnsCache({
    refreshMs: 1000,
    now: () => now,
    resolve: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
  });
  assert.deepEqual(await dns.resolve("a.example"), ["10.0.0.1"]);
  answer = ["10.0.0.2"];
  assert.deepEqual(dns.peek("a.example"), ["10.0.0.1"], "fresh: no lookup");
  now = 1500;
  assert.deepEqual(dns.peek("a.example"), ["10.0.0.1"], "stale answer served while refreshing");
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(dns.peek("a.example"), ["10.0.0.2"]);
  answer = new Error("SERVFAIL");
  now = 3000;
  dns.peek("a.example");
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(dns.peek("a.example"), ["10.0.0.2"], "a failed refresh keeps the last good answer");
  assert.deepEqual(dns.peek("192.0.2.1"), ["192.0.2.1"], "IP literals need no lookup");
  await assert.rejects(dns.resolve("unknown.example"));
});
