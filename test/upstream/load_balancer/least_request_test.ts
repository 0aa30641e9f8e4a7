import assert from "node:assert/strict";
import { ActiveRequests, LeastRequestBalancer } from "../../../gateway/upstream/load_balancer/mod.ts";
import { ep, eps, FakeClock, seededRandom, tally } from "../_helpers.ts";

Deno.test("LEAST_REQUEST", async (t) => {
  await t.step("power of two choices prefers the less loaded endpoint", () => {
    const list = eps(2);
    const lb = new LeastRequestBalancer(list, { random: seededRandom(1) });
    for (let i = 0; i < 10; i++) lb.onRequestStart(list[0]);
    assert.equal(lb.activeRequests(list[0]), 10);
    // The loaded endpoint wins only when both samples are it: 1/4.
    const counts = tally(20_000, () => lb.choose());
    const share = counts.get("10.0.0.2")! / 20_000;
    assert.ok(Math.abs(share - 0.75) < 0.015, `share ${share}`);
  });

  await t.step("with three endpoints the least loaded gets 1 - (2/3)^2 = 5/9", () => {
    const list = eps(3);
    const lb = new LeastRequestBalancer(list, { random: seededRandom(2) });
    for (let i = 0; i < 5; i++) lb.onRequestStart(list[1]);
    for (let i = 0; i < 10; i++) lb.onRequestStart(list[2]);
    const counts = tally(30_000, () => lb.choose());
    const least = counts.get("10.0.0.1")! / 30_000;
    const most = counts.get("10.0.0.3")! / 30_000;
    assert.ok(Math.abs(least - 5 / 9) < 0.015, `least ${least}`);
    assert.ok(Math.abs(most - 1 / 9) < 0.015, `most ${most}`);
  });

  await t.step("equal load is uniform; choiceCount 1 ignores load", () => {
    const list = eps(4);
    const lb = new LeastRequestBalancer(list, { random: seededRandom(3) });
    const counts = tally(40_000, () => lb.choose());
    for (const n of counts.values()) assert.ok(Math.abs(n - 10_000) < 500, `${n}`);
    const blind = new LeastRequestBalancer(list, { random: seededRandom(4), choiceCount: 1 });
    for (let i = 0; i < 100; i++) blind.onRequestStart(list[0]);
    const blindCounts = tally(40_000, () => blind.choose());
    assert.ok(Math.abs(blindCounts.get("10.0.0.1")! - 10_000) < 500);
  });

  await t.step("request counts go up and down and are shared between balancers", () => {
    const list = eps(2);
    const active = new ActiveRequests();
    const a = new LeastRequestBalancer(list, { active });
    a.onRequestStart(list[0]);
    a.onRequestStart(list[0]);
    a.onRequestEnd(list[0]);
    const b = new LeastRequestBalancer(eps(2), { active });
    assert.equal(b.activeRequests(b.endpoints[0]), 1, "counted by address:port");
    b.onRequestEnd(b.endpoints[0]);
    b.onRequestEnd(b.endpoints[0]);
    assert.equal(a.activeRequests(list[0]), 0, "never below zero");
  });

  await t.step("unequal weights: smooth weighted by weight / (active + 1)", () => {
    const list = [ep(1, 2), ep(2, 1)];
    const lb = new LeastRequestBalancer(list, { random: seededRandom(5) });
    let counts = tally(300, () => lb.choose());
    assert.equal(counts.get("10.0.0.1"), 200);
    assert.equal(counts.get("10.0.0.2"), 100);
    // Three requests in flight on the heavy one: 2/4 against 1/1 → a third of the picks.
    for (let i = 0; i < 3; i++) lb.onRequestStart(list[0]);
    counts = tally(300, () => lb.choose());
    assert.ok(Math.abs(counts.get("10.0.0.1")! - 100) <= 1, `${counts.get("10.0.0.1")}`);
  });

  await t.step("exclusion and warmup", () => {
    const list = eps(3);
    const lb = new LeastRequestBalancer(list, { random: seededRandom(6) });
    const exclude = new Set([list[0], list[1]]);
    for (let i = 0; i < 20; i++) assert.equal(lb.choose({}, exclude), list[2]);
    assert.equal(lb.choose({}, new Set(list)), undefined);
    assert.equal(new LeastRequestBalancer([]).choose(), undefined);

    const clock = new FakeClock(0);
    const warm = new LeastRequestBalancer(list, {
      random: seededRandom(7),
      now: clock.now,
      warmup: { windowMs: 10_000, minimumPercent: 10, aggression: 1 },
      endpointAddedAt: (e) => (e === list[0] ? 0 : undefined),
    });
    clock.advance(5_000);
    const counts = tally(2500, () => warm.choose());
    assert.ok(Math.abs(counts.get("10.0.0.1")! - 500) <= 1, `${counts.get("10.0.0.1")}`);
  });
});
