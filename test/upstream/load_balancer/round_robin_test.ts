import assert from "node:assert/strict";
import { RoundRobinBalancer } from "../../../gateway/upstream/load_balancer/mod.ts";
import { resolveWarmup, slowStartFactor } from "../../../gateway/upstream/load_balancer/slow_start.ts";
import { ep, eps, FakeClock, seededRandom, tally } from "../_helpers.ts";

Deno.test("ROUND_ROBIN", async (t) => {
  await t.step("equal weights rotate in order from a random start", () => {
    const list = eps(3);
    const lb = new RoundRobinBalancer(list, { random: () => 0.5 });
    const picked = Array.from({ length: 6 }, () => lb.choose()!.address);
    assert.deepEqual(picked, ["10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"]);
  });

  await t.step("weights are exact over every cycle and interleaved (smooth)", () => {
    const list = [ep(1, 5), ep(2, 1), ep(3, 1)];
    const lb = new RoundRobinBalancer(list, { random: () => 0 });
    const seq = Array.from({ length: 70 }, () => lb.choose()!.address.slice(-1));
    assert.deepEqual(seq.slice(0, 7), ["1", "1", "2", "1", "3", "1", "1"]);
    // Any window of one cycle (Σw = 7 picks) holds each endpoint exactly its weight.
    for (let start = 0; start + 7 <= seq.length; start++) {
      const window = seq.slice(start, start + 7);
      assert.deepEqual([1, 2, 3].map((n) => window.filter((x) => x === String(n)).length), [5, 1, 1]);
    }
    // Smooth: never all five of the heavy endpoint's picks in a row, as plain weighted rotation would.
    assert.ok(!seq.join("").includes("11111"));
  });

  await t.step("weighted with a random start keeps exact cycles", () => {
    const list = [ep(1, 3), ep(2, 2), ep(3, 1)];
    const lb = new RoundRobinBalancer(list, { random: seededRandom(7) });
    const counts = tally(600, () => lb.choose());
    assert.deepEqual([...counts.entries()].sort(), [["10.0.0.1", 300], ["10.0.0.2", 200], ["10.0.0.3", 100]]);
  });

  await t.step("non-positive weights count as 1", () => {
    const lb = new RoundRobinBalancer([ep(1, 0), ep(2, -3)], { random: () => 0 });
    const counts = tally(10, () => lb.choose());
    assert.equal(counts.get("10.0.0.1"), 5);
    assert.equal(counts.get("10.0.0.2"), 5);
  });

  await t.step("exclusion skips endpoints; all excluded or empty gives undefined", () => {
    const list = eps(3);
    const lb = new RoundRobinBalancer(list, { random: () => 0 });
    const exclude = new Set([list[1]]);
    const picked = Array.from({ length: 4 }, () => lb.choose({}, exclude)!.address);
    assert.deepEqual(picked, ["10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.3"]);
    assert.equal(lb.choose({}, new Set(list)), undefined);
    assert.equal(new RoundRobinBalancer([]).choose(), undefined);
    const weighted = new RoundRobinBalancer([ep(1, 2), ep(2, 1)], { random: () => 0 });
    assert.equal(weighted.choose({}, new Set(weighted.endpoints)), undefined);
    assert.equal(weighted.choose({}, new Set([weighted.endpoints[0]]))?.address, "10.0.0.2");
  });

  await t.step("warmup ramps a new endpoint's share up over the window", () => {
    const clock = new FakeClock(1_000_000);
    const list = eps(3);
    const addedAt = new Map([[list[2], clock.t]]);
    const warmup = resolveWarmup({ warmup: { duration: "10s" } })!;
    const lb = new RoundRobinBalancer(list, {
      random: () => 0,
      now: clock.now,
      warmup,
      endpointAddedAt: (e) => addedAt.get(e),
    });
    // At once: the floor, 10% of its weight: 0.1 / 2.1 of the picks.
    let counts = tally(2100, () => lb.choose());
    assert.ok(Math.abs(counts.get("10.0.0.3")! - 100) <= 1, `${counts.get("10.0.0.3")}`);
    clock.advance(5_000); // half way: factor 0.5 → 0.5 / 2.5
    counts = tally(2500, () => lb.choose());
    assert.ok(Math.abs(counts.get("10.0.0.3")! - 500) <= 1, `${counts.get("10.0.0.3")}`);
    clock.advance(5_000); // window over: equal shares again
    counts = tally(3000, () => lb.choose());
    assert.ok(Math.abs(counts.get("10.0.0.3")! - 1000) <= 1);
  });
});

Deno.test("warmup settings and factor", async (t) => {
  await t.step("defaults and the deprecated warmupDurationSecs", () => {
    assert.deepEqual(resolveWarmup({ warmup: { duration: "30s" } }), {
      windowMs: 30_000,
      minimumPercent: 10,
      aggression: 1,
    });
    assert.deepEqual(resolveWarmup({ warmupDurationSecs: "1m" }), {
      windowMs: 60_000,
      minimumPercent: 10,
      aggression: 1,
    });
    assert.deepEqual(resolveWarmup({ warmup: { duration: "10s", minimumPercent: 25, aggression: 0 } }), {
      windowMs: 10_000,
      minimumPercent: 25,
      aggression: 1,
    });
    assert.equal(resolveWarmup({ simple: "ROUND_ROBIN" }), undefined);
    assert.equal(resolveWarmup(undefined), undefined);
  });

  await t.step("factor = max(minimumPercent, (age/window)^(1/aggression))", () => {
    const linear = { windowMs: 10_000, minimumPercent: 10, aggression: 1 };
    assert.equal(slowStartFactor(linear, 0), 0.1);
    assert.equal(slowStartFactor(linear, 2_500), 0.25);
    assert.equal(slowStartFactor(linear, 10_000), 1);
    assert.equal(slowStartFactor(linear, 50_000), 1);
    const aggressive = { windowMs: 10_000, minimumPercent: 0, aggression: 2 };
    assert.equal(slowStartFactor(aggressive, 2_500), 0.5);
    assert.equal(slowStartFactor(aggressive, 0), Math.sqrt(1 / 10_000), "age counts as at least 1ms");
  });
});
