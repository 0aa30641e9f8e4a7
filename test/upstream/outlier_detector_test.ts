import assert from "node:assert/strict";
import type { Endpoint } from "../../gateway/compile/types.ts";
import type { OutlierDetection } from "../../gateway/config/kinds/networking/destination_rule.ts";
import {
  type AttemptResult,
  createOutlierDetector,
  grpcToHttpStatus,
  OutlierDetector,
  resolveOutlierDetection,
} from "../../gateway/upstream/outlier_detector.ts";
import { ep, eps, FakeClock } from "./_helpers.ts";

function detector(settings: OutlierDetection, count: number, options: { alwaysEjectOneHost?: boolean } = {}) {
  const clock = new FakeClock(0);
  const list = eps(count);
  const od = new OutlierDetector(settings, list, { now: clock.now, ...options });
  return { clock, list, od };
}

function repeat(od: OutlierDetector, e: Endpoint, n: number, outcome: AttemptResult): void {
  for (let i = 0; i < n; i++) od.recordResult(e, outcome);
}

Deno.test("resolveOutlierDetection: Istio's mapping and Envoy's defaults", async (t) => {
  await t.step("an empty block", () => {
    const r = resolveOutlierDetection({});
    assert.equal(r.consecutive5xx, 5);
    assert.equal(r.enforcing5xx, true);
    assert.equal(r.consecutiveGatewayFailure, 5);
    assert.equal(r.enforcingGatewayFailure, false);
    assert.equal(r.splitExternalLocalOriginErrors, false);
    assert.equal(r.enforcingLocalOriginFailure, false);
    assert.equal(r.intervalMs, 10_000);
    assert.equal(r.baseEjectionTimeMs, 30_000);
    assert.equal(r.maxEjectionTimeMs, 300_000);
    assert.equal(r.maxEjectionPercent, 10);
    assert.equal(r.minHealthPercent, 0);
    assert.equal(r.alwaysEjectOneHost, false);
  });

  await t.step("explicit values", () => {
    const r = resolveOutlierDetection({
      consecutive5xxErrors: 0,
      consecutiveGatewayErrors: 3,
      splitExternalLocalOriginErrors: true,
      consecutiveLocalOriginFailures: 2,
      interval: "1s",
      baseEjectionTime: "10m",
      maxEjectionPercent: 0,
      minHealthPercent: 40,
    });
    assert.equal(r.enforcing5xx, false);
    assert.equal(r.consecutiveGatewayFailure, 3);
    assert.equal(r.enforcingGatewayFailure, true);
    assert.equal(r.consecutiveLocalOriginFailure, 2);
    assert.equal(r.enforcingLocalOriginFailure, true);
    assert.equal(r.intervalMs, 1_000);
    assert.equal(r.maxEjectionTimeMs, 600_000, "max(300s, base)");
    assert.equal(r.maxEjectionPercent, 10, "0 reads as unset");
    assert.equal(r.minHealthPercent, 40);
    assert.equal(resolveOutlierDetection({ consecutiveGatewayErrors: null }).enforcingGatewayFailure, false);
  });

  await t.step("no block, no detector", () => {
    assert.equal(createOutlierDetector(undefined, eps(3)), undefined);
    assert.ok(createOutlierDetector({}, eps(3)) instanceof OutlierDetector);
  });
});

Deno.test("OutlierDetector: consecutive 5xx", async (t) => {
  await t.step("ejects at the Nth consecutive 5xx; a success resets the count", () => {
    const { list, od } = detector({ maxEjectionPercent: 100 }, 4);
    repeat(od, list[0], 4, { status: 500 });
    od.recordResult(list[0], { status: 200 });
    repeat(od, list[0], 4, { status: 503 });
    assert.equal(od.isEjected(list[0]), false);
    od.recordResult(list[0], { status: 500 });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.ejections.ejectionsActive, 1);
    assert.equal(od.ejections.ejectionsEnforced.consecutive_5xx, 1);
    assert.deepEqual(od.healthy(list), list.slice(1));
    assert.deepEqual([...od.ejected(list)], [list[0]]);
    // 4xx and 2xx are not errors.
    repeat(od, list[1], 10, { status: 404 });
    assert.equal(od.isEjected(list[1]), false);
  });

  await t.step("consecutive5xxErrors: 0 disables it", () => {
    const { list, od } = detector({ consecutive5xxErrors: 0, maxEjectionPercent: 100 }, 2);
    repeat(od, list[0], 50, { status: 500 });
    assert.equal(od.isEjected(list[0]), false);
  });

  await t.step("results while ejected count on but do not eject again", () => {
    const { list, od } = detector({ consecutive5xxErrors: 2, maxEjectionPercent: 100 }, 2);
    repeat(od, list[0], 2, { status: 500 });
    repeat(od, list[0], 6, { status: 500 });
    assert.equal(od.ejections.ejectionsEnforcedTotal, 1);
    assert.equal(od.hostState(list[0])!.consecutive5xx, 6);
  });

  await t.step("outlierDetectionHttpErrorCodes count as 5xx", () => {
    const { list, od } = detector({
      consecutive5xxErrors: 2,
      outlierDetectionHttpErrorCodes: [404],
      maxEjectionPercent: 100,
    }, 2);
    repeat(od, list[0], 2, { status: 404 });
    assert.equal(od.isEjected(list[0]), true);
  });
});

Deno.test("OutlierDetector: ejection time and sweeps", async (t) => {
  await t.step("un-ejected at the first sweep after baseEjectionTime", () => {
    const { clock, list, od } = detector({ maxEjectionPercent: 100 }, 2);
    clock.t = 1_000;
    repeat(od, list[0], 5, { status: 500 });
    // Sweeps at 10s, 20s, 30s, 40s: at 30s only 29s have passed.
    assert.equal(od.isEjected(list[0], 39_999), true);
    assert.equal(od.isEjected(list[0], 40_000), false);
    const s = od.hostState(list[0], 40_000)!;
    assert.equal(s.lastUnejectionAt, 40_000);
    assert.equal(s.numEjections, 1);
    assert.equal(s.consecutive5xx, 0);
    assert.equal(od.ejections.ejectionsActive, 0);
  });

  await t.step("base time × ejection multiplier, which decays while healthy", () => {
    const { clock, list, od } = detector({ maxEjectionPercent: 100 }, 2);
    clock.t = 1_000;
    repeat(od, list[0], 5, { status: 500 });
    clock.t = 40_500;
    assert.equal(od.isEjected(list[0]), false);
    repeat(od, list[0], 5, { status: 500 }); // again within an interval: multiplier 2 → 60s
    assert.equal(od.hostState(list[0])!.ejectTimeMultiplier, 2);
    assert.equal(od.isEjected(list[0], 109_999), true);
    assert.equal(od.isEjected(list[0], 110_000), false);
    assert.equal(od.hostState(list[0], 119_999)!.ejectTimeMultiplier, 2);
    assert.equal(od.hostState(list[0], 120_000)!.ejectTimeMultiplier, 1);
    assert.equal(od.hostState(list[0], 130_000)!.ejectTimeMultiplier, 0);
    clock.t = 130_001;
    repeat(od, list[0], 5, { status: 500 });
    assert.equal(od.hostState(list[0])!.ejectTimeMultiplier, 1, "back to the base time");
    assert.equal(od.isEjected(list[0], 169_999), true);
    assert.equal(od.isEjected(list[0], 170_000), false);
  });

  await t.step("the ejection time is capped at max(300s, base)", () => {
    const { clock, list, od } = detector({ maxEjectionPercent: 100 }, 2);
    const observed: number[] = [];
    for (let k = 1; k <= 13; k++) {
      clock.advance(1);
      const at = clock.t;
      repeat(od, list[0], 5, { status: 500 });
      while (od.isEjected(list[0])) clock.advance(1_000);
      const duration = od.hostState(list[0])!.lastUnejectionAt! - at;
      const expected = Math.min(30_000 * k, 300_000);
      assert.ok(duration >= expected && duration < expected + 10_000, `ejection ${k}: ${duration}`);
      observed.push(Math.floor(duration / 10_000));
    }
    assert.deepEqual(observed.slice(-3), [30, 30, 30]);
  });

  await t.step("sweeps stay on their grid across long idle gaps", () => {
    const clock = new FakeClock(5_000);
    const list = eps(2);
    const od = new OutlierDetector({ maxEjectionPercent: 100 }, list, { now: clock.now });
    clock.t = 86_405_001;
    repeat(od, list[0], 5, { status: 500 });
    assert.equal(od.isEjected(list[0], 86_444_999), true);
    assert.equal(od.isEjected(list[0], 86_445_000), false);
  });
});

Deno.test("OutlierDetector: maxEjectionPercent", async (t) => {
  await t.step("the default 10% ejects nothing among 5 hosts", () => {
    const { list, od } = detector({}, 5);
    repeat(od, list[0], 5, { status: 500 });
    assert.equal(od.isEjected(list[0]), false);
    assert.equal(od.ejections.ejectionsOverflow, 1);
    assert.equal(od.ejections.ejectionsDetected.consecutive_5xx, 1);
    assert.equal(od.hostState(list[0])!.consecutive5xx, 0, "the counter resets anyway");
  });

  await t.step("among 10 hosts one may go, not two", () => {
    const { list, od } = detector({}, 10);
    repeat(od, list[0], 5, { status: 500 });
    repeat(od, list[1], 5, { status: 500 });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.isEjected(list[1]), false);
    assert.equal(od.ejections.ejectionsOverflow, 1);
  });

  await t.step("alwaysEjectOneHost permits the first ejection", () => {
    const { list, od } = detector({}, 5, { alwaysEjectOneHost: true });
    repeat(od, list[0], 5, { status: 500 });
    repeat(od, list[1], 5, { status: 500 });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.isEjected(list[1]), false);
  });

  await t.step("50% of 4 hosts", () => {
    const { list, od } = detector({ maxEjectionPercent: 50 }, 4);
    for (const e of list) repeat(od, e, 5, { status: 500 });
    assert.equal(od.ejections.ejectionsActive, 2);
    assert.deepEqual(od.healthy(list), list.slice(2));
  });
});

Deno.test("OutlierDetector: gateway and local-origin errors", async (t) => {
  await t.step("gateway errors are detected but not enforced unless configured", () => {
    const { list, od } = detector({ consecutive5xxErrors: 0, maxEjectionPercent: 100 }, 2);
    repeat(od, list[0], 10, { status: 503 });
    assert.equal(od.isEjected(list[0]), false);
    assert.equal(od.ejections.ejectionsDetected.consecutive_gateway_failure, 2);
    assert.equal(od.ejections.ejectionsEnforcedTotal, 0);
  });

  await t.step("consecutiveGatewayErrors ejects on 502/503/504; other 5xx reset it", () => {
    const { list, od } = detector({
      consecutive5xxErrors: 0,
      consecutiveGatewayErrors: 3,
      maxEjectionPercent: 100,
    }, 2);
    od.recordResult(list[0], { status: 502 });
    od.recordResult(list[0], { status: 504 });
    od.recordResult(list[0], { status: 500 });
    od.recordResult(list[0], { status: 503 });
    od.recordResult(list[0], { status: 502 });
    assert.equal(od.isEjected(list[0]), false);
    od.recordResult(list[0], { status: 504 });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.ejections.ejectionsEnforced.consecutive_gateway_failure, 1);
  });

  await t.step("without the split, local failures are 503 (connect, reset) or 504 (timeout)", () => {
    const { list, od } = detector({
      consecutive5xxErrors: 0,
      consecutiveGatewayErrors: 3,
      maxEjectionPercent: 100,
    }, 2);
    od.recordResult(list[0], { localOrigin: "connect_failure" });
    od.recordResult(list[0], { localOrigin: "timeout" });
    od.recordResult(list[0], { localOrigin: "reset" });
    assert.equal(od.isEjected(list[0]), true);
    const d = detector({ maxEjectionPercent: 100 }, 2);
    repeat(d.od, d.list[0], 5, { localOrigin: "connect_failure" });
    assert.equal(d.od.isEjected(d.list[0]), true, "and count as 5xx");
  });

  await t.step("with splitExternalLocalOriginErrors they have their own counter (default 5)", () => {
    const { list, od } = detector({ splitExternalLocalOriginErrors: true, maxEjectionPercent: 100 }, 2);
    repeat(od, list[0], 4, { localOrigin: "connect_failure" });
    od.recordResult(list[0], { status: 200 });
    repeat(od, list[0], 4, { localOrigin: "timeout" });
    assert.equal(od.isEjected(list[0]), false, "a response resets the local-origin count");
    od.recordResult(list[0], { localOrigin: "reset" });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.ejections.ejectionsEnforced.consecutive_local_origin_failure, 1);
  });

  await t.step("split: local failures are not 5xx, and consecutiveLocalOriginFailures applies", () => {
    const { list, od } = detector({
      splitExternalLocalOriginErrors: true,
      consecutiveLocalOriginFailures: 2,
      consecutive5xxErrors: 2,
      maxEjectionPercent: 100,
    }, 2);
    od.recordResult(list[0], { status: 500 });
    od.recordResult(list[0], { localOrigin: "connect_failure" });
    assert.equal(od.hostState(list[0])!.consecutive5xx, 1);
    od.recordResult(list[0], { status: 500 });
    assert.equal(od.isEjected(list[0]), true);
    assert.equal(od.ejections.ejectionsEnforced.consecutive_5xx, 1);
    repeat(od, list[1], 2, { localOrigin: "timeout" });
    assert.equal(od.isEjected(list[1]), true);
  });
});

Deno.test("OutlierDetector: panic mode and membership", async (t) => {
  await t.step("below minHealthPercent every host is used", () => {
    const { list, od } = detector({ minHealthPercent: 50, maxEjectionPercent: 100 }, 4);
    repeat(od, list[0], 5, { status: 500 });
    repeat(od, list[1], 5, { status: 500 });
    assert.equal(od.isPanic(list), false, "exactly 50% healthy is not below");
    assert.deepEqual(od.healthy(list), list.slice(2));
    repeat(od, list[2], 5, { status: 500 });
    assert.equal(od.isPanic(list), true);
    assert.deepEqual(od.healthy(list), list);
  });

  await t.step("with minHealthPercent 0 (Istio's default) all-ejected means no healthy host", () => {
    const { list, od } = detector({ maxEjectionPercent: 100 }, 2);
    for (const e of list) repeat(od, e, 5, { status: 500 });
    assert.equal(od.isPanic(list), false);
    assert.deepEqual(od.healthy(list), []);
  });

  await t.step("membership changes keep state by address:port", () => {
    const { list, od } = detector({ maxEjectionPercent: 100 }, 3);
    repeat(od, list[0], 5, { status: 500 });
    repeat(od, list[1], 5, { status: 500 });
    assert.equal(od.ejections.ejectionsActive, 2);
    od.setEndpoints([ep(1), ep(3), ep(4)]);
    assert.equal(od.ejections.ejectionsActive, 1);
    assert.equal(od.isEjected(ep(1)), true, "a new object for the same address");
    assert.equal(od.isEjected(ep(4)), false);
    assert.equal(od.hostState(ep(2)), undefined);
    od.recordResult(ep(9), { status: 500 });
    assert.equal(od.isEjected(ep(9)), false, "non-members are ignored");
  });
});

Deno.test("grpcToHttpStatus follows Envoy", () => {
  assert.equal(grpcToHttpStatus(0), 200);
  assert.equal(grpcToHttpStatus(14), 503);
  assert.equal(grpcToHttpStatus(4), 504);
  assert.equal(grpcToHttpStatus(8), 429);
  assert.equal(grpcToHttpStatus(13), 500);
  assert.equal(grpcToHttpStatus(16), 401);
  assert.equal(grpcToHttpStatus(99), 500);
});
