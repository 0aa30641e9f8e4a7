import assert from "node:assert/strict";
import type { Endpoint } from "../../../gateway/compile/types.ts";
import {
  type LoadBalancer,
  MaglevBalancer,
  nextPrime,
  RingHashBalancer,
} from "../../../gateway/upstream/load_balancer/mod.ts";
import { ep, eps, seededRandom, tally } from "../_helpers.ts";

const KEYS = Array.from({ length: 50_000 }, (_, i) => `user-${i}`);

function assignment(lb: LoadBalancer, exclude?: ReadonlySet<Endpoint>): string[] {
  return KEYS.map((hashKey) => lb.choose({ hashKey }, exclude)!.address);
}

const kinds = [
  ["RING_HASH", (list: Endpoint[]) => new RingHashBalancer(list)],
  ["MAGLEV", (list: Endpoint[]) => new MaglevBalancer(list)],
] as const;

for (const [name, build] of kinds) {
  Deno.test(`${name}`, async (t) => {
    await t.step("a key always maps to the same endpoint, whatever the list order", () => {
      const list = eps(5);
      const a = build(list);
      const b = build([...list].reverse());
      for (const key of KEYS.slice(0, 2000)) {
        assert.equal(a.choose({ hashKey: key })!.address, a.choose({ hashKey: key })!.address);
        assert.equal(a.choose({ hashKey: key })!.address, b.choose({ hashKey: key })!.address);
      }
    });

    await t.step("keys spread evenly", () => {
      const counts = new Map<string, number>();
      for (const address of assignment(build(eps(5)))) counts.set(address, (counts.get(address) ?? 0) + 1);
      assert.equal(counts.size, 5);
      for (const n of counts.values()) assert.ok(Math.abs(n - 10_000) < 1_500, `${n}`);
    });

    await t.step("weights set the shares", () => {
      const lb = build([ep(1, 3), ep(2, 1)]);
      const share = assignment(lb).filter((a) => a === "10.0.0.1").length / KEYS.length;
      assert.ok(Math.abs(share - 0.75) < 0.04, `share ${share}`);
    });

    await t.step("excluding an endpoint moves only its keys", () => {
      const list = eps(5);
      const lb = build(list);
      const before = assignment(lb);
      const after = assignment(lb, new Set([list[2]]));
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] === list[2].address) {
          assert.notEqual(after[i], list[2].address);
          moved++;
        } else {
          assert.equal(after[i], before[i]);
        }
      }
      assert.ok(moved > 8_000);
      assert.equal(lb.choose({ hashKey: "x" }, new Set(list)), undefined);
    });

    await t.step("without a hash key the choice is random", () => {
      const list = eps(4);
      const lb = name === "RING_HASH"
        ? new RingHashBalancer(list, { random: seededRandom(3) })
        : new MaglevBalancer(list, { random: seededRandom(3) });
      const counts = tally(8000, () => lb.choose());
      assert.equal(counts.size, 4);
      for (const n of counts.values()) assert.ok(n > 1500, `${n}`);
    });

    await t.step("a bigint key is a precomputed hash", () => {
      const lb = build(eps(5));
      assert.equal(lb.choose({ hashKey: 123456789n })!.address, lb.choose({ hashKey: 123456789n })!.address);
      const spread = new Set(
        Array.from({ length: 200 }, (_, i) => lb.choose({ hashKey: BigInt(i) * 7919n ** 3n })!),
      );
      assert.equal(spread.size, 5);
    });

    await t.step("no endpoints", () => {
      assert.equal(build([]).choose({ hashKey: "a" }), undefined);
    });
  });
}

Deno.test("consistent hash stability when an endpoint is removed", async (t) => {
  const list = eps(5);
  const removed = list[2];
  const survivors = list.filter((e) => e !== removed);

  await t.step("RING_HASH: only the removed endpoint's keys move", () => {
    const before = assignment(new RingHashBalancer(list));
    const after = assignment(new RingHashBalancer(survivors));
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] === removed.address) assert.notEqual(after[i], removed.address);
      else assert.equal(after[i], before[i], KEYS[i]);
    }
  });

  await t.step("RING_HASH: adding an endpoint takes keys only for itself", () => {
    const before = assignment(new RingHashBalancer(survivors));
    const after = assignment(new RingHashBalancer(list));
    for (let i = 0; i < KEYS.length; i++) {
      if (after[i] !== removed.address) assert.equal(after[i], before[i]);
    }
  });

  await t.step("MAGLEV: the removed endpoint's keys move, others stay but for minimal disruption", () => {
    const before = assignment(new MaglevBalancer(list));
    const after = assignment(new MaglevBalancer(survivors));
    let disrupted = 0;
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] === removed.address) assert.notEqual(after[i], removed.address);
      else if (after[i] !== before[i]) disrupted++;
    }
    assert.ok(disrupted / KEYS.length < 0.01, `${disrupted} keys of survivors moved`);
  });
});

Deno.test("consistent hash sizes", async (t) => {
  await t.step("ring: minimumRingSize points per endpoint of the smallest weight", () => {
    assert.equal(new RingHashBalancer(eps(3)).ringSize, 3 * 1024);
    assert.equal(new RingHashBalancer(eps(2), { minimumRingSize: 100 }).ringSize, 200);
    assert.equal(new RingHashBalancer([ep(1, 1), ep(2, 3)], { minimumRingSize: 10 }).ringSize, 40);
    const capped = new RingHashBalancer([ep(1, 1), ep(2, 10_000)]);
    assert.ok(capped.ringSize <= 1 << 20);
    assert.ok(capped.ringSize > (1 << 20) - 10);
  });

  await t.step("maglev: prime table sizes (default 65537)", () => {
    assert.equal(new MaglevBalancer(eps(2)).tableSize, 65537);
    assert.equal(new MaglevBalancer(eps(2), { tableSize: 251 }).tableSize, 251);
    assert.equal(new MaglevBalancer(eps(2), { tableSize: 1000 }).tableSize, 1009);
    assert.equal(nextPrime(65536), 65537);
    assert.equal(nextPrime(2), 2);
  });

  await t.step("maglev table entries follow the weights", () => {
    const lb = new MaglevBalancer([ep(1, 1), ep(2, 1), ep(3, 2)], { tableSize: 10007 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 10007; i++) {
      const a = lb.choose({ hashKey: BigInt(i) })!.address;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    assert.ok(Math.abs(counts.get("10.0.0.3")! / 10007 - 0.5) < 0.01);
  });
});
