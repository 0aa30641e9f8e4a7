import assert from "node:assert/strict";
import {
  createLoadBalancer,
  lbPolicyOf,
  type MaglevBalancer,
  type RingHashBalancer,
} from "../../../gateway/upstream/load_balancer/mod.ts";
import { eps, FakeClock } from "../_helpers.ts";

Deno.test("createLoadBalancer", async (t) => {
  const list = eps(3);

  await t.step("LEAST_REQUEST is the default; LEAST_CONN and UNSPECIFIED are aliases", () => {
    assert.equal(createLoadBalancer(undefined, list).kind, "LEAST_REQUEST");
    assert.equal(createLoadBalancer({}, list).kind, "LEAST_REQUEST");
    assert.equal(createLoadBalancer({ simple: "UNSPECIFIED" }, list).kind, "LEAST_REQUEST");
    assert.equal(createLoadBalancer({ simple: "LEAST_CONN" }, list).kind, "LEAST_REQUEST");
    assert.equal(createLoadBalancer({ simple: "LEAST_REQUEST" }, list).kind, "LEAST_REQUEST");
  });

  await t.step("simple policies", () => {
    assert.equal(createLoadBalancer({ simple: "ROUND_ROBIN" }, list).kind, "ROUND_ROBIN");
    assert.equal(createLoadBalancer({ simple: "RANDOM" }, list).kind, "RANDOM");
    assert.equal(createLoadBalancer({ backendUtilization: {} }, list).kind, "ROUND_ROBIN");
  });

  await t.step("PASSTHROUGH is not a balancer", () => {
    assert.equal(lbPolicyOf({ simple: "PASSTHROUGH" }), "PASSTHROUGH");
    assert.throws(() => createLoadBalancer({ simple: "PASSTHROUGH" }, list), RangeError);
  });

  await t.step("consistent hash: MAGLEV with maglev, RING_HASH otherwise", () => {
    const maglev = createLoadBalancer(
      { consistentHash: { useSourceIp: true, maglev: { tableSize: 101 } } },
      list,
    );
    assert.equal(maglev.kind, "MAGLEV");
    assert.equal((maglev as MaglevBalancer).tableSize, 101);
    const maglevDefault = createLoadBalancer({ consistentHash: { useSourceIp: true, maglev: {} } }, list);
    assert.equal((maglevDefault as MaglevBalancer).tableSize, 65537);
    const ring = createLoadBalancer({
      consistentHash: { httpHeaderName: "x", ringHash: { minimumRingSize: 64 } },
    }, list);
    assert.equal(ring.kind, "RING_HASH");
    assert.equal((ring as RingHashBalancer).ringSize, 3 * 64);
    const deprecated = createLoadBalancer(
      { consistentHash: { httpHeaderName: "x", minimumRingSize: 32 } },
      list,
    );
    assert.equal((deprecated as RingHashBalancer).ringSize, 3 * 32);
    const plain = createLoadBalancer({ consistentHash: { httpHeaderName: "x" } }, list);
    assert.equal((plain as RingHashBalancer).ringSize, 3 * 1024);
  });

  await t.step("warmup from the settings reaches ROUND_ROBIN", () => {
    const clock = new FakeClock(0);
    const lb = createLoadBalancer(
      { simple: "ROUND_ROBIN", warmup: { duration: "10s", minimumPercent: 50 } },
      list,
      {
        now: clock.now,
        random: () => 0,
        endpointAddedAt: (e) => (e === list[0] ? 0 : undefined),
      },
    );
    const picks = Array.from({ length: 250 }, () => lb.choose()!.address);
    assert.equal(picks.filter((a) => a === "10.0.0.1").length, 50, "weight 0.5 of 2.5");
  });
});
