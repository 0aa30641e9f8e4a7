import assert from "node:assert/strict";
import { RandomBalancer } from "../../../gateway/upstream/load_balancer/mod.ts";
import { ep, eps, seededRandom, tally } from "../_helpers.ts";

Deno.test("RANDOM", async (t) => {
  await t.step("uniform within statistical bounds over 100k picks", () => {
    const lb = new RandomBalancer(eps(4), { random: seededRandom(42) });
    const counts = tally(100_000, () => lb.choose());
    // σ = sqrt(100000 · 1/4 · 3/4) ≈ 137; allow 5σ.
    for (const n of counts.values()) assert.ok(Math.abs(n - 25_000) < 685, `${n}`);
    assert.equal(counts.size, 4);
  });

  await t.step("weights are ignored, as in Envoy", () => {
    const lb = new RandomBalancer([ep(1, 9), ep(2, 1)], { random: seededRandom(9) });
    const counts = tally(100_000, () => lb.choose());
    assert.ok(Math.abs(counts.get("10.0.0.1")! - 50_000) < 800);
  });

  await t.step("exclusion and empty lists", () => {
    const list = eps(3);
    const lb = new RandomBalancer(list, { random: seededRandom(1) });
    const counts = tally(3000, () => lb.choose({}, new Set([list[0]])));
    assert.equal(counts.get("10.0.0.1"), undefined);
    assert.ok(counts.get("10.0.0.2")! > 1300 && counts.get("10.0.0.3")! > 1300);
    assert.equal(lb.choose({}, new Set(list)), undefined);
    assert.equal(new RandomBalancer([]).choose(), undefined);
  });
});
