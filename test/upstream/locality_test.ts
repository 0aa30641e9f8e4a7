import assert from "node:assert/strict";
import type { ClusterLocalityLb, Endpoint } from "../../gateway/compile/types.ts";
import type { LocalityLbSetting } from "../../gateway/config/mesh/mod.ts";
import {
  effectiveLocalityLbSetting,
  localityMatches,
  localityPriority,
  LocalitySelector,
  parseLocality,
  planLocalities,
  priorityLoad,
  retryPriorityLoad,
} from "../../gateway/upstream/locality.ts";
import { createLoadBalancer, LocalityBalancer } from "../../gateway/upstream/load_balancer/mod.ts";
import { seededRandom } from "./_helpers.ts";

let next = 0;
/** A fresh endpoint in `locality` with `labels`. */
function at(locality: string, labels: Record<string, string> = {}, weight = 1): Endpoint {
  next++;
  return { address: `10.1.${next >> 8}.${next & 255}`, port: 80, labels, weight, locality };
}

/** Locality LB as a gateway in `proxyLocality` with `proxyLabels` sees it. */
function lb(
  setting: LocalityLbSetting,
  proxyLocality: string,
  failover = true,
  proxyLabels: Record<string, string> = { istio: "ingressgateway" },
): ClusterLocalityLb {
  return { setting, failover, proxyLocality, proxyLabels };
}

/** The localities of each priority level, as `priority: locality,locality`. */
function levels(endpoints: Endpoint[], config: ClusterLocalityLb): string[] {
  return planLocalities(endpoints, config).priorities.map((level, i) =>
    `${i}: ${level.groups.map((g) => `${g.locality}(${g.endpoints.length})`).join(",")}`
  );
}

/** Share of `picks` picks landing in `set`. */
function share(picks: number, pick: () => Endpoint | undefined, set: readonly Endpoint[]): number {
  const members = new Set(set);
  let hits = 0;
  for (let i = 0; i < picks; i++) if (members.has(pick()!)) hits++;
  return hits / picks;
}

/** A balancer over `endpoints` under `config`, with `ejected` out. */
function balancer(
  endpoints: Endpoint[],
  config: ClusterLocalityLb,
  ejected: Set<Endpoint> = new Set(),
  seed = 1,
  simple: "ROUND_ROBIN" | "RANDOM" = "ROUND_ROBIN",
): LocalityBalancer {
  const random = seededRandom(seed);
  return new LocalityBalancer(planLocalities(endpoints, config), {
    kind: simple,
    build: (list) => createLoadBalancer({ simple }, list, { random }),
    ejected: () => ejected,
    random,
  });
}

Deno.test("locality matching: wildcards and missing zone or subzone match any", () => {
  const l = parseLocality("us-east/zone1/rack7");
  assert.ok(localityMatches(l, "us-east"));
  assert.ok(localityMatches(l, "us-east/*"));
  assert.ok(localityMatches(l, "*"));
  assert.ok(localityMatches(l, "us-east/zone1/rack7"));
  assert.ok(localityMatches(l, "us-east/zone1/*"));
  assert.ok(!localityMatches(l, "us-east/zone2"));
  assert.ok(!localityMatches(l, "us-west/*"));
  assert.deepEqual(
    ["us-east/zone1/rack7", "us-east/zone1/rack8", "us-east/zone2/rack7", "us-west/zone1/rack7"].map((e) =>
      localityPriority(l, parseLocality(e))
    ),
    [0, 1, 2, 3],
  );
});

Deno.test("effective setting: the DestinationRule's wins, enabled: false turns it off, else the mesh's", () => {
  const mesh = { enabled: true, failover: [{ from: "a", to: "b" }] };
  const dr = { failoverPriority: ["x"] };
  assert.equal(effectiveLocalityLbSetting(mesh, dr), dr);
  assert.equal(effectiveLocalityLbSetting(mesh, { enabled: false, failoverPriority: ["x"] }), undefined);
  assert.equal(effectiveLocalityLbSetting(mesh, undefined), mesh);
  assert.equal(effectiveLocalityLbSetting({ enabled: false }, undefined), undefined);
  assert.deepEqual(effectiveLocalityLbSetting({ enabled: false }, { enabled: null }), { enabled: null });
  assert.equal(effectiveLocalityLbSetting(undefined, undefined), undefined);
});

Deno.test("priorities: P0 same subzone, P1 same zone, P2 same region, P3 elsewhere, renumbered without gaps", () => {
  const eps = [
    at("us-west/z1/s1"),
    at("us-east/z1/s1"),
    at("us-east/z2/s1"),
    at("us-east/z1/s2"),
    at("us-east/z1/s1"),
  ];
  assert.deepEqual(levels(eps, lb({}, "us-east/z1/s1")), [
    "0: us-east/z1/s1(2)",
    "1: us-east/z1/s2(1)",
    "2: us-east/z2/s1(1)",
    "3: us-west/z1/s1(1)",
  ]);
  assert.equal(planLocalities(eps, lb({}, "us-east/z1/s1")).weighted, false);
  // No subzone or zone endpoints: the region ones come right after the local ones.
  assert.deepEqual(levels([at("eu/z9"), at("us-east/z1/s1")], lb({}, "us-east/z1/s1")), [
    "0: us-east/z1/s1(1)",
    "1: eu/z9(1)",
  ]);
});

Deno.test("priorities: none without outlier detection, and an unknown gateway locality ranks unlocalized endpoints first", () => {
  const eps = [at("us-east/z1"), at("us-west/z1")];
  assert.deepEqual(levels(eps, lb({}, "us-east/z1", false)), ["0: us-east/z1(1),us-west/z1(1)"]);
  assert.deepEqual(levels(eps, lb({}, "")), ["0: us-east/z1(1),us-west/z1(1)"], "all equally remote");
  assert.deepEqual(levels([...eps, at("")], lb({}, "")), ["0: (1)", "1: us-east/z1(1),us-west/z1(1)"]);
});

Deno.test("failover: the failover region comes before other regions, with locality weighting", () => {
  const eps = [at("eu-west/z1"), at("us-west/z1"), at("us-east/z2"), at("us-east/z1"), at("ap/z1")];
  const config = lb({ failover: [{ from: "us-east", to: "eu-west" }] }, "us-east/z1");
  assert.deepEqual(levels(eps, config), [
    "0: us-east/z1(1)",
    "1: us-east/z2(1)",
    "2: eu-west/z1(1)",
    "3: ap/z1(1),us-west/z1(1)",
  ]);
  assert.equal(planLocalities(eps, config).weighted, true);
  // A rule for another region changes nothing here.
  assert.deepEqual(levels(eps, lb({ failover: [{ from: "ap", to: "us-west" }] }, "us-east/z1")), [
    "0: us-east/z1(1)",
    "1: us-east/z2(1)",
    "2: ap/z1(1),eu-west/z1(1),us-west/z1(1)",
  ]);
});

Deno.test("failoverPriority: endpoints ranked by how many leading labels match the gateway's, label=value pins", () => {
  const net = "topology.istio.io/network";
  const eps = [
    at("r/z", { [net]: "n2", version: "v1" }),
    at("r/z", { [net]: "n1", version: "v2" }),
    at("r/z", { [net]: "n1", version: "v1" }),
    at("r/z", { version: "v1" }, 1),
  ];
  eps[3] = { ...eps[3], network: "n1" }; // the network label comes from the endpoint's network
  const proxy = { istio: "ingressgateway", [net]: "n1", version: "v1" };
  const config = lb({ failoverPriority: [net, "version"] }, "r/z", true, proxy);
  const plan = planLocalities(eps, config);
  assert.deepEqual(plan.priorities.map((l) => l.endpoints.map((e) => eps.indexOf(e))), [[2, 3], [1], [0]]);
  assert.equal(plan.weighted, true);
  // `version=v2` asks for v2 whatever the gateway's own label says.
  const pinned = planLocalities(eps, lb({ failoverPriority: [net, "version=v2"] }, "r/z", true, proxy));
  assert.deepEqual(pinned.priorities.map((l) => l.endpoints.map((e) => eps.indexOf(e))), [[1], [2, 3], [0]]);
  // Without outlier detection nothing is split.
  assert.equal(planLocalities(eps, { ...config, failover: false }).priorities.length, 1);
});

Deno.test("failoverPriority: topology labels come from the endpoints' localities; failover then orders within", () => {
  const eps = [at("us-west/z1", { tier: "gold" }), at("us-east/z2", { tier: "gold" }), at("us-east/z1")];
  const region = "topology.kubernetes.io/region";
  const proxy = { istio: "ingressgateway", [region]: "us-east", tier: "gold" };
  assert.deepEqual(levels(eps, lb({ failoverPriority: [region] }, "us-east/z1", true, proxy)), [
    "0: us-east/z1(1),us-east/z2(1)",
    "1: us-west/z1(1)",
  ]);
  // `tier` first, then locality failover inside each tier band: label priority × 5 + locality priority.
  assert.deepEqual(
    levels(
      eps,
      lb(
        { failoverPriority: ["tier"], failover: [{ from: "us-east", to: "us-west" }] },
        "us-east/z1",
        true,
        proxy,
      ),
    ),
    ["0: us-east/z2(1)", "1: us-west/z1(1)", "2: us-east/z1(1)"],
  );
});

Deno.test("distribute: the first matching rule reweights localities, wildcard shares split by weight, others dropped", () => {
  const eps = [at("r1/z1/a"), at("r1/z1/a"), at("r1/z1/b"), at("r2/z1"), at("r3/z1")];
  const config = lb(
    {
      distribute: [
        { from: "r9/*", to: { "r3/*": 100 } },
        { from: "r1/z1/*", to: { "r1/z1/*": 80, "r2/*": 20 } },
      ],
    },
    "r1/z1/a",
    false,
  );
  const plan = planLocalities(eps, config);
  assert.equal(plan.weighted, true);
  assert.equal(plan.priorities.length, 1, "distribute sets weights, never priorities");
  assert.deepEqual(plan.priorities[0].groups.map((g) => [g.locality, g.weight]), [
    ["r1/z1/a", 54], // ceil(2 × 80 / 3)
    ["r1/z1/b", 27], // ceil(1 × 80 / 3)
    ["r2/z1", 20],
  ]);
  // No rule for this gateway: endpoints as they are, weighted by their own weights.
  const other = planLocalities(eps, { ...config, proxyLocality: "r5/z1" });
  assert.deepEqual(other.priorities[0].groups.map((g) => [g.locality, g.weight]), [
    ["r1/z1/a", 2],
    ["r1/z1/b", 1],
    ["r2/z1", 1],
    ["r3/z1", 1],
  ]);
});

Deno.test("priority load: P0 keeps everything while ~71.4% healthy, then spills over in proportion", () => {
  const load = (healthy: number) =>
    priorityLoad([{ hosts: 10, healthy }, { hosts: 10, healthy: 10 }], 0).load;
  assert.deepEqual(load(10), [100, 0]);
  assert.deepEqual(load(8), [100, 0], "8 × 140% = 112%: still all");
  assert.deepEqual(load(7), [98, 2]);
  assert.deepEqual(load(5), [70, 30]);
  assert.deepEqual(load(0), [0, 100]);
  // Three levels, the first two weak: each takes its availability, the rest spills further down.
  assert.deepEqual(
    priorityLoad([{ hosts: 10, healthy: 3 }, { hosts: 10, healthy: 2 }, { hosts: 4, healthy: 4 }], 0).load,
    [42, 28, 30],
  );
});

Deno.test("priority load: panic and the all-unhealthy cases", () => {
  // Panic off (Istio's default minHealthPercent 0) and nothing healthy: P0 gets it all (and no host: 503).
  assert.deepEqual(priorityLoad([{ hosts: 2, healthy: 0 }, { hosts: 2, healthy: 0 }], 0).load, [100, 0]);
  // minHealthPercent 50: both levels under it, so load follows host counts and both are in panic.
  const total = priorityLoad([{ hosts: 3, healthy: 1 }, { hosts: 1, healthy: 0 }], 50);
  assert.deepEqual([total.load, total.panic], [[75, 25], [true, true]]);
  // Only P1 under the threshold (and the levels short of 100% together): load still follows health.
  const partial = priorityLoad([{ hosts: 10, healthy: 5 }, { hosts: 10, healthy: 1 }], 50);
  assert.deepEqual([partial.load, partial.panic], [[84, 16], [false, true]]);
  // Fully available overall: no level is in panic.
  assert.deepEqual(priorityLoad([{ hosts: 4, healthy: 1 }, { hosts: 4, healthy: 4 }], 50).panic, [
    false,
    false,
  ]);
});

Deno.test("retry priority load: previous_priorities leaves out tried levels every second attempt", () => {
  const state = priorityLoad(
    [{ hosts: 1, healthy: 1 }, { hosts: 1, healthy: 1 }, { hosts: 2, healthy: 1 }],
    0,
  );
  assert.deepEqual(state.load, [100, 0, 0]);
  assert.deepEqual(retryPriorityLoad(state, []), [100, 0, 0]);
  assert.deepEqual(retryPriorityLoad(state, [0]), [100, 0, 0], "one attempt: not updated yet");
  assert.deepEqual(retryPriorityLoad(state, [0, 0]), [0, 100, 0]);
  assert.deepEqual(retryPriorityLoad(state, [0, 0, 1]), [0, 100, 0], "between updates: unchanged");
  assert.deepEqual(retryPriorityLoad(state, [0, 0, 1, 1]), [0, 0, 100]);
  assert.deepEqual(retryPriorityLoad(state, [0, 1, 2, 2]), [100, 0, 0], "all tried: the original load");
  // Spread over the remaining availability, rounding leftovers to the first level.
  const weak = priorityLoad(
    [{ hosts: 1, healthy: 1 }, { hosts: 10, healthy: 4 }, { hosts: 10, healthy: 2 }],
    0,
  );
  assert.deepEqual(retryPriorityLoad(weak, [0, 0]), [0, 67, 33]);
});

Deno.test("LocalityBalancer: traffic stays local, spills over as local endpoints are ejected", () => {
  const local = [at("us-east/z1"), at("us-east/z1"), at("us-east/z1"), at("us-east/z1")];
  const remote = [at("eu/z1"), at("eu/z1"), at("eu/z1"), at("eu/z1")];
  const config = lb({}, "us-east/z1");
  const ejected = new Set<Endpoint>();
  const b = balancer([...remote, ...local], config, ejected);
  assert.equal(share(2000, () => b.choose(), local), 1);
  ejected.add(local[0]); // 3/4 healthy: 105% → P0 still takes all
  assert.equal(share(2000, () => b.choose(), local), 1);
  assert.ok(!Array.from({ length: 100 }, () => b.choose()).includes(local[0]), "ejected hosts are skipped");
  ejected.add(local[1]); // 2/4 healthy: availability 70 → 70% local
  const local70 = share(20000, () => b.choose(), local);
  assert.ok(Math.abs(local70 - 0.7) < 0.02, `local share ${local70}`);
  for (const e of local) ejected.add(e);
  assert.equal(share(2000, () => b.choose(), remote), 1, "all local ejected: all to the failover priority");
  ejected.clear();
  assert.equal(share(2000, () => b.choose(), local), 1, "back when they return");
});

Deno.test("LocalityBalancer: failover order follows the plan, nothing healthy means no endpoint", () => {
  const [east, west, eu] = [at("us-east/z1"), at("us-west/z1"), at("eu/z1")];
  const config = lb({ failover: [{ from: "us-east", to: "eu" }] }, "us-east/z1");
  const ejected = new Set([east]);
  const b = balancer([east, west, eu], config, ejected);
  assert.equal(share(500, () => b.choose(), [eu]), 1, "the failover region first");
  ejected.add(eu);
  assert.equal(share(500, () => b.choose(), [west]), 1, "then the other regions");
  ejected.add(west);
  assert.equal(b.choose(), undefined, "all ejected, panic disabled: none (503 UH)");
});

Deno.test("LocalityBalancer: distribute weights hold statistically; locality weight scales with health", () => {
  const a = [at("r1/z1"), at("r1/z1")];
  const bb = [at("r1/z2"), at("r1/z2")];
  const config = lb({ distribute: [{ from: "r1/*", to: { "r1/z1": 80, "r1/z2": 20 } }] }, "r1/z1", false);
  const ejected = new Set<Endpoint>();
  const b = balancer([...a, ...bb], config, ejected, 3);
  const first = share(20000, () => b.choose(), a);
  assert.ok(Math.abs(first - 0.8) < 0.015, `r1/z1 share ${first}`);
  // One of r1/z1's two hosts out: its weight becomes 80 × min(1, 1.4 × 1/2) = 56, so 56/76.
  ejected.add(a[0]);
  const scaled = share(20000, () => b.choose(), a);
  assert.ok(Math.abs(scaled - 56 / 76) < 0.015, `r1/z1 share with one host out ${scaled}`);
});

Deno.test("LocalityBalancer: retryRemoteLocalities moves the third attempt to the next priority", () => {
  const local = [at("us-east/z1"), at("us-east/z1")];
  const remote = [at("eu/z1")];
  const b = balancer([...local, ...remote], lb({}, "us-east/z1"));
  const attempted = [local[0], local[1]];
  for (let i = 0; i < 50; i++) {
    assert.ok(local.includes(b.choose({ retryRemoteLocalities: true, attempted: [local[0]] })!));
    assert.equal(b.choose({ retryRemoteLocalities: true, attempted }), remote[0]);
    assert.ok(local.includes(b.choose({ attempted })!), "without the flag retries stay local");
  }
});

Deno.test("LocalityBalancer: hosts tried already are re-drawn around, then given up on", () => {
  const local = [at("us-east/z1")];
  const remote = [at("eu/z1")];
  const b = balancer([...local, ...remote], lb({}, "us-east/z1"));
  assert.equal(
    b.choose(undefined, new Set(local)),
    undefined,
    "P0 gets every draw; the caller reuses the host",
  );
  assert.equal(b.choose(), local[0]);
});

Deno.test("LocalityBalancer: a level in panic balances over all its hosts", () => {
  const local = [at("us-east/z1"), at("us-east/z1"), at("us-east/z1"), at("us-east/z1")];
  const remote = [at("eu/z1")];
  const plan = planLocalities([...local, ...remote], lb({}, "us-east/z1"));
  const ejected = new Set([local[0], local[1], local[2], remote[0]]);
  const random = seededRandom(5);
  const b = new LocalityBalancer(plan, {
    kind: "RANDOM",
    build: (list) => createLoadBalancer({ simple: "RANDOM" }, list, { random }),
    ejected: () => ejected,
    panicThreshold: 50,
    random,
  });
  // P0 25% healthy and P1 0%: both in panic, load by host count (80/20), ejected hosts eligible.
  assert.ok(share(5000, () => b.choose(), [local[0], local[1], local[2]]) > 0.5);
  const selector = new LocalitySelector(plan, { panicThreshold: 50 });
  assert.deepEqual(selector.load(ejected).load, [80, 20]);
});

Deno.test("LocalityBalancer: consistent hashing picks the level from the request hash", () => {
  const local = [at("us-east/z1"), at("us-east/z1")];
  const remote = [at("eu/z1"), at("eu/z1")];
  const ejected = new Set([local[0]]); // P0 at 70%: hashes split 70/30
  const plan = planLocalities([...local, ...remote], lb({}, "us-east/z1"));
  const b = new LocalityBalancer(plan, {
    kind: "RING_HASH",
    build: (list) => createLoadBalancer({ consistentHash: { httpHeaderName: "x" } }, list),
    ejected: () => ejected,
  });
  const picks = new Map<string, Endpoint>();
  for (let i = 0; i < 400; i++) picks.set(`user-${i}`, b.choose({ hashKey: `user-${i}` })!);
  for (const [key, endpoint] of picks) assert.equal(b.choose({ hashKey: key }), endpoint, "stable per key");
  const localShare = [...picks.values()].filter((e) => local.includes(e)).length / picks.size;
  assert.ok(localShare > 0.6 && localShare < 0.8, `local share ${localShare}`);
  assert.ok(![...picks.values()].includes(local[0]), "never the ejected host");
});
