import assert from "node:assert/strict";
import {
  decideTrace,
  packedReason,
  packReason,
  samplingNumerator,
} from "../../../gateway/telemetry/tracing/mod.ts";

/** A v4 UUID whose first 8 hex digits are `head`. */
const id = (head: string, reason = "4") => `${head}-6d84-${reason}29d-98bd-c5aee93b5c88`;
const input = (requestId: string | null, over: { clientTraceId?: boolean; forceTrace?: boolean } = {}) => ({
  requestId,
  clientTraceId: false,
  forceTrace: false,
  ...over,
});

Deno.test("sampling: the decision is packed into the 15th character of x-request-id", () => {
  assert.equal(packReason(id("00000000"), "sampling")[14], "9");
  assert.equal(packReason(id("00000000"), "service_forced")[14], "a");
  assert.equal(packReason(id("00000000"), "client_forced")[14], "b");
  assert.equal(packReason(id("00000000", "9"), "not_traceable")[14], "4");
  assert.equal(packReason("short-id", "sampling"), "short-id", "only UUID-sized ids carry a reason");
  assert.equal(packedReason(id("00000000", "9")), "sampling");
  assert.equal(packedReason(id("00000000", "a")), "service_forced");
  assert.equal(packedReason(id("00000000", "b")), "client_forced");
  assert.equal(packedReason(id("00000000")), "not_traceable");
  assert.equal(packedReason(null), "not_traceable");
});

Deno.test("sampling: random sampling reads the request id's first 8 hex digits modulo 10000", () => {
  const onePercent = samplingNumerator(1);
  assert.equal(onePercent, 100);
  // 0x63 = 99 < 100: sampled at 1%; 0x64 = 100: not; 0x2774 = 10100 -> 100: not; 0x2773 -> 99: sampled.
  const sampled = decideTrace(input(id("00000063")), onePercent, true);
  assert.deepEqual(sampled, { reason: "sampling", traced: true, requestId: id("00000063", "9") });
  assert.equal(decideTrace(input(id("00000064")), onePercent, true).traced, false);
  assert.equal(decideTrace(input(id("00002774")), onePercent, true).traced, false);
  assert.equal(decideTrace(input(id("00002773")), onePercent, true).traced, true);
  const notSampled = decideTrace(input(id("00000064")), onePercent, true);
  assert.equal(notSampled.requestId, id("00000064"), "an untraced id is left as it is");
  assert.equal(decideTrace(input(id("ffffffff")), samplingNumerator(100), true).traced, true);
  assert.equal(decideTrace(input(id("00000000")), samplingNumerator(0), true).traced, false);
});

Deno.test("sampling: packed decisions are kept; client and force headers force a trace", () => {
  const zero = samplingNumerator(0);
  assert.deepEqual(decideTrace(input(id("00000064", "9")), zero, true), {
    reason: "sampling",
    traced: true,
    requestId: id("00000064", "9"),
  });
  const client = decideTrace(input(id("00000064"), { clientTraceId: true, forceTrace: true }), zero, true);
  assert.equal(client.reason, "client_forced");
  assert.equal(client.requestId?.[14], "b");
  const forced = decideTrace(input(id("00000064"), { forceTrace: true }), zero, true);
  assert.equal(forced.reason, "service_forced");
  assert.equal(forced.requestId?.[14], "a");
});

Deno.test("sampling: without a usable request id nothing is traced; without request-id sampling all is", () => {
  assert.equal(decideTrace(input(null), 10_000, true).traced, false);
  assert.equal(decideTrace(input("not-hex-at-all"), 10_000, true).traced, false);
  const all = decideTrace(input(id("00000064")), 0, false);
  assert.deepEqual(all, { reason: "sampling", traced: true, requestId: id("00000064") });
});

Deno.test("sampling: percentages become hundredths, clamped", () => {
  assert.equal(samplingNumerator(0.01), 1);
  assert.equal(samplingNumerator(33.333), 3333);
  assert.equal(samplingNumerator(100), 10_000);
  assert.equal(samplingNumerator(150), 10_000);
  assert.equal(samplingNumerator(-1), 0);
});
