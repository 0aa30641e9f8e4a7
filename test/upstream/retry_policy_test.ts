import assert from "node:assert/strict";
import { DEFAULT_MESH_CONFIG } from "../../gateway/config/mesh/defaults.ts";
import { CircuitBreaker } from "../../gateway/upstream/circuit_breaker.ts";
import {
  type AttemptOutcome,
  backoffMs,
  NO_RETRIES,
  parseRetryOn,
  resolveRetryPolicy,
  type RetryCondition,
  type RetryPolicy,
  RetryState,
  shouldRetry,
} from "../../gateway/upstream/retry_policy.ts";
import { seededRandom } from "./_helpers.ts";

const sorted = (s: ReadonlySet<string | number>) => [...s].sort();

Deno.test("resolveRetryPolicy", async (t) => {
  await t.step("Istio's default when retries are absent", () => {
    const p = resolveRetryPolicy(undefined);
    assert.equal(p.numRetries, 2);
    assert.deepEqual(sorted(p.retryOn), [
      "cancelled",
      "connect-failure",
      "refused-stream",
      "retriable-status-codes",
      "unavailable",
    ]);
    assert.deepEqual(sorted(p.retriableStatusCodes), []);
    assert.equal(p.perTryTimeoutMs, undefined);
    assert.equal(p.retryIgnorePreviousHosts, true);
    assert.equal(p.hostSelectionMaxAttempts, 5);
    assert.equal(p.backoffBaseMs, 25);
    assert.equal(p.backoffMaxMs, 250);
    assert.deepEqual(resolveRetryPolicy(undefined, DEFAULT_MESH_CONFIG.defaultHttpRetryPolicy), p);
  });

  await t.step("options: consistent hash keeps the host; Istio <= 1.23 retried 503", () => {
    assert.equal(
      resolveRetryPolicy(undefined, undefined, { consistentHash: true }).retryIgnorePreviousHosts,
      false,
    );
    assert.deepEqual(
      sorted(resolveRetryPolicy(undefined, undefined, { retry503ByDefault: true }).retriableStatusCodes),
      [
        503,
      ],
    );
    assert.equal(
      resolveRetryPolicy({ attempts: 1, retryIgnorePreviousHosts: true }, undefined, { consistentHash: true })
        .retryIgnorePreviousHosts,
      true,
    );
  });

  await t.step("the mesh default applies to routes without retries", () => {
    const mesh = { attempts: 5, retryOn: "5xx", perTryTimeout: "2s" };
    const p = resolveRetryPolicy(undefined, mesh);
    assert.equal(p.numRetries, 5);
    assert.deepEqual(sorted(p.retryOn), ["5xx"]);
    assert.equal(p.perTryTimeoutMs, 2000);
    assert.equal(resolveRetryPolicy({ attempts: 1 }, mesh).numRetries, 1, "the route wins");
    assert.equal(resolveRetryPolicy(undefined, { attempts: 0, retryOn: "5xx" }), NO_RETRIES);
  });

  await t.step("attempts 0, or none, disables retries", () => {
    assert.equal(resolveRetryPolicy({ attempts: 0 }), NO_RETRIES);
    assert.equal(resolveRetryPolicy({}), NO_RETRIES);
    assert.equal(NO_RETRIES.numRetries, 0);
    assert.equal(shouldRetry(NO_RETRIES, { kind: "reset", reason: "connect_failure" }), false);
  });

  await t.step("an explicit policy overrides the default field by field", () => {
    const p = resolveRetryPolicy({
      attempts: 3,
      perTryTimeout: "250ms",
      retryOn: "gateway-error, 409,connect-failure",
      retryRemoteLocalities: true,
      backoff: "100ms",
    });
    assert.equal(p.numRetries, 3);
    assert.equal(p.perTryTimeoutMs, 250);
    assert.deepEqual(sorted(p.retryOn), ["connect-failure", "gateway-error", "retriable-status-codes"]);
    assert.deepEqual(sorted(p.retriableStatusCodes), [409]);
    assert.equal(p.retryRemoteLocalities, true);
    assert.equal(p.retryIgnorePreviousHosts, true);
    assert.equal(p.backoffBaseMs, 100);
    assert.equal(p.backoffMaxMs, 1000);
    const noRetryOn = resolveRetryPolicy({ attempts: 4 });
    assert.deepEqual(noRetryOn.retryOn, resolveRetryPolicy(undefined).retryOn);
  });

  await t.step("parseRetryOn: integers are status codes, unknown words are dropped", () => {
    const { retryOn, statusCodes } = parseRetryOn("503,5xx,999,bogus,,  504 ");
    assert.deepEqual(sorted(retryOn), ["5xx", "retriable-status-codes"]);
    assert.deepEqual(sorted(statusCodes), [503, 504]);
    assert.deepEqual(sorted(parseRetryOn("reset").retryOn), ["reset"]);
  });
});

function policy(retryOn: string, extra: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...resolveRetryPolicy({ attempts: 2, retryOn }), ...extra };
}

const response = (status: number, headers: Record<string, string> = {}): AttemptOutcome => ({
  kind: "response",
  status,
  headers: new Headers(headers),
});

Deno.test("shouldRetry", async (t) => {
  const connectFailure: AttemptOutcome = { kind: "reset", reason: "connect_failure" };
  const connectTimeout: AttemptOutcome = { kind: "reset", reason: "connect_timeout" };
  const refused: AttemptOutcome = { kind: "reset", reason: "refused_stream", requestSent: true };
  const remoteReset: AttemptOutcome = { kind: "reset", reason: "remote_reset", requestSent: true };
  const earlyReset: AttemptOutcome = { kind: "reset", reason: "connection_termination", requestSent: false };
  const perTry: AttemptOutcome = { kind: "reset", reason: "per_try_timeout", requestSent: true };
  const overflow: AttemptOutcome = { kind: "reset", reason: "overflow" };

  const table: [RetryCondition | string, AttemptOutcome, boolean][] = [
    ["5xx", response(500), true],
    ["5xx", response(503), true],
    ["5xx", response(599), true],
    ["5xx", response(404), false],
    ["5xx", remoteReset, true],
    ["5xx", connectFailure, true],
    ["5xx", perTry, true],
    ["5xx", overflow, false],
    ["gateway-error", response(502), true],
    ["gateway-error", response(504), true],
    ["gateway-error", response(500), false],
    ["gateway-error", perTry, true],
    ["gateway-error", connectFailure, true],
    ["reset", remoteReset, true],
    ["reset", perTry, true],
    ["reset", response(503), false],
    ["reset-before-request", earlyReset, true],
    ["reset-before-request", remoteReset, false],
    ["reset-before-request", connectFailure, true],
    ["connect-failure", connectFailure, true],
    ["connect-failure", connectTimeout, true],
    ["connect-failure", remoteReset, false],
    ["connect-failure", perTry, false],
    ["connect-failure", response(503), false],
    ["refused-stream", refused, true],
    ["refused-stream", remoteReset, false],
    ["refused-stream", connectFailure, false],
    ["retriable-4xx", response(409), true],
    ["retriable-4xx", response(429), false],
    ["503", response(503), true],
    ["503", response(502), false],
    ["retriable-status-codes", response(503), false],
    ["envoy-ratelimited", response(429, { "x-envoy-ratelimited": "true" }), true],
    ["envoy-ratelimited", response(429), false],
    ["5xx", response(503, { "x-envoy-ratelimited": "true" }), false],
    ["cancelled", response(200, { "grpc-status": "1" }), true],
    ["deadline-exceeded", response(200, { "grpc-status": "4" }), true],
    ["resource-exhausted", response(200, { "grpc-status": "8" }), true],
    ["internal", response(200, { "grpc-status": "13" }), true],
    ["unavailable", response(200, { "grpc-status": "14" }), true],
    ["unavailable", response(200, { "grpc-status": "13" }), false],
    ["unavailable", response(200), false],
    ["retriable-headers", response(200, { "x-retry-me": "1" }), false],
    ["http3-post-connect-failure", remoteReset, false],
  ];
  for (const [retryOn, outcome, expected] of table) {
    const label = outcome.kind === "response" ? `${outcome.status}` : outcome.reason;
    await t.step(`${retryOn} / ${label} → ${expected}`, () => {
      assert.equal(shouldRetry(policy(retryOn), outcome), expected);
    });
  }

  await t.step("retriable-headers matches configured names", () => {
    const p = policy("retriable-headers", { retriableHeaderNames: ["x-retry-me"] });
    assert.equal(shouldRetry(p, response(200, { "x-retry-me": "1" })), true);
    assert.equal(shouldRetry(p, response(200)), false);
  });

  await t.step("Istio's default retries connect failures and gRPC unavailable, not 503 or timeouts", () => {
    const p = resolveRetryPolicy(undefined);
    assert.equal(shouldRetry(p, connectFailure), true);
    assert.equal(shouldRetry(p, refused), true);
    assert.equal(shouldRetry(p, response(200, { "grpc-status": "14" })), true);
    assert.equal(shouldRetry(p, response(503)), false);
    assert.equal(shouldRetry(p, perTry), false);
    assert.equal(shouldRetry(p, remoteReset), false);
  });
});

Deno.test("backoffMs: fully jittered exponential backoff", async (t) => {
  const p = resolveRetryPolicy(undefined);
  await t.step("bounds per retry", () => {
    const ceilings = [25, 50, 100, 200, 250, 250, 250];
    ceilings.forEach((ceiling, i) => {
      assert.equal(backoffMs(p, i + 1, () => 0), 0);
      assert.equal(backoffMs(p, i + 1, () => 0.999999), ceiling - 1);
    });
  });

  await t.step("uniform over the range", () => {
    const random = seededRandom(11);
    const samples = Array.from({ length: 20_000 }, () => backoffMs(p, 3, random));
    assert.ok(samples.every((s) => Number.isInteger(s) && s >= 0 && s < 100));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    assert.ok(Math.abs(mean - 49.5) < 1.5, `mean ${mean}`);
  });

  await t.step("a custom base scales the cap to 10×", () => {
    const custom = resolveRetryPolicy({ attempts: 3, backoff: "1s" });
    assert.equal(backoffMs(custom, 1, () => 0.999999), 999);
    assert.equal(backoffMs(custom, 10, () => 0.999999), 9_999);
  });
});

Deno.test("RetryState", async (t) => {
  const fail: AttemptOutcome = { kind: "reset", reason: "connect_failure" };

  await t.step("retries up to numRetries, then limit exceeded (URX)", () => {
    const state = new RetryState(resolveRetryPolicy(undefined), { random: () => 0.5 });
    const a = state.next(fail);
    assert.deepEqual(a, { retry: true, retryNumber: 1, backoffMs: 12 });
    const b = state.next(fail);
    assert.deepEqual(b, { retry: true, retryNumber: 2, backoffMs: 25 });
    assert.deepEqual(state.next(fail), { retry: false, reason: "limit_exceeded" });
    assert.deepEqual(state.next(response(200)), { retry: false, reason: "not_retriable" });
    assert.equal(state.retriesUsed, 2);
  });

  await t.step("maxRetries overflow cancels the retry; the resource is held until the next outcome", () => {
    const breaker = new CircuitBreaker({ retries: 1 });
    const one = new RetryState(resolveRetryPolicy(undefined), { breaker });
    const two = new RetryState(resolveRetryPolicy(undefined), { breaker });
    assert.equal(one.next(fail).retry, true);
    assert.equal(breaker.active("retries"), 1);
    assert.deepEqual(two.next(fail), { retry: false, reason: "overflow" });
    assert.equal(breaker.stats.retryOverflow, 1);
    assert.deepEqual(one.next(response(200)), { retry: false, reason: "not_retriable" });
    assert.equal(breaker.active("retries"), 0);
    assert.equal(two.next(fail).retry, true);
    assert.equal(breaker.active("retries"), 1);
    assert.deepEqual(
      two.next(fail),
      { retry: false, reason: "limit_exceeded" },
      "the overflow spent a retry",
    );
    assert.equal(breaker.active("retries"), 0);
    const three = new RetryState(resolveRetryPolicy(undefined), { breaker });
    assert.equal(three.next(fail).retry, true);
    three.finish();
    assert.equal(breaker.active("retries"), 0);
  });
});
