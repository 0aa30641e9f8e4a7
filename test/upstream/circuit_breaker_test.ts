import assert from "node:assert/strict";
import {
  CircuitBreaker,
  OVERFLOW_RESPONSE,
  resolveConnectionPool,
  resolveThresholds,
  UNLIMITED,
} from "../../gateway/upstream/circuit_breaker.ts";

Deno.test("connection pool settings", async (t) => {
  await t.step("thresholds default to 2^32-1; 0 reads as unset", () => {
    assert.deepEqual(resolveThresholds(undefined), {
      connections: UNLIMITED,
      pendingRequests: UNLIMITED,
      requests: UNLIMITED,
      retries: UNLIMITED,
    });
    assert.deepEqual(
      resolveThresholds({
        tcp: { maxConnections: 1 },
        http: { http1MaxPendingRequests: 2, http2MaxRequests: 3, maxRetries: 0 },
      }),
      { connections: 1, pendingRequests: 2, requests: 3, retries: UNLIMITED },
    );
    assert.equal(UNLIMITED, 2 ** 32 - 1);
  });

  await t.step("pool settings and their defaults", () => {
    const d = resolveConnectionPool(undefined);
    assert.equal(d.connectTimeoutMs, 10_000);
    assert.equal(d.idleTimeoutMs, 3_600_000);
    assert.equal(d.maxRequestsPerConnection, 0);
    assert.equal(d.maxConnectionDurationMs, undefined);
    assert.equal(d.h2UpgradePolicy, "DEFAULT");
    assert.equal(resolveConnectionPool(undefined, "3s").connectTimeoutMs, 3_000, "meshConfig.connectTimeout");
    const p = resolveConnectionPool({
      tcp: {
        connectTimeout: "250ms",
        idleTimeout: "5m",
        maxConnectionDuration: "1h",
        tcpKeepalive: { time: "7s" },
      },
      http: { maxRequestsPerConnection: 1, idleTimeout: "30s", h2UpgradePolicy: "UPGRADE" },
    });
    assert.equal(p.connectTimeoutMs, 250);
    assert.equal(p.idleTimeoutMs, 30_000, "http.idleTimeout first");
    assert.equal(p.maxRequestsPerConnection, 1);
    assert.equal(p.maxConnectionDurationMs, 3_600_000);
    assert.equal(p.tcpKeepalive?.timeMs, 7_000);
    assert.equal(p.h2UpgradePolicy, "UPGRADE");
    assert.equal(
      resolveConnectionPool({ tcp: { idleTimeout: "5m" } }).idleTimeoutMs,
      300_000,
      "then tcp.idleTimeout",
    );
    assert.equal(resolveConnectionPool({ tcp: { idleTimeout: "0s" } }).idleTimeoutMs, 0, "0 disables");
  });
});

Deno.test("CircuitBreaker", async (t) => {
  await t.step("acquire, overflow, release", () => {
    const cb = new CircuitBreaker({ requests: 2 });
    assert.equal(cb.tryAcquire("requests"), true);
    assert.equal(cb.tryAcquire("requests"), true);
    assert.equal(cb.canCreate("requests"), false);
    assert.equal(cb.remaining("requests"), 0);
    assert.equal(cb.tryAcquire("requests"), false);
    assert.equal(cb.stats.rqPendingOverflow, 1);
    cb.release("requests");
    assert.equal(cb.active("requests"), 1);
    assert.equal(cb.tryAcquire("requests"), true);
    cb.release("connections");
    assert.equal(cb.active("connections"), 0, "never below zero");
    assert.equal(cb.remaining("connections"), UNLIMITED);
  });

  await t.step("Istio's circuit-breaking task: 1 connection, 1 pending request", () => {
    const cb = new CircuitBreaker(resolveThresholds({
      tcp: { maxConnections: 1 },
      http: { http1MaxPendingRequests: 1 },
    }));
    // Request 1: no connection yet, queue it and connect.
    assert.deepEqual(cb.admit(false), { action: "connect" });
    // Request 2 while request 1 still waits for its connection: the pending slot is taken.
    assert.deepEqual(cb.admit(false), { action: "overflow", resource: "pendingRequests" });
    // The connection comes up: request 1 leaves the queue and runs.
    cb.release("pendingRequests");
    assert.equal(cb.tryAcquire("requests"), true);
    // Request 3 while the only connection is busy: it may wait, but no second connection opens.
    assert.deepEqual(cb.admit(false), { action: "queue" });
    assert.equal(cb.stats.cxOverflow, 1);
    // Request 4: queue full → 503 UO.
    assert.deepEqual(cb.admit(false), { action: "overflow", resource: "pendingRequests" });
    assert.equal(cb.stats.rqPendingOverflow, 2);
  });

  await t.step("maxRequests bounds requests on ready connections", () => {
    const cb = new CircuitBreaker({ requests: 1 });
    assert.deepEqual(cb.admit(true), { action: "dispatch" });
    assert.deepEqual(cb.admit(true), { action: "overflow", resource: "requests" });
    cb.release("requests");
    assert.deepEqual(cb.admit(true), { action: "dispatch" });
  });

  await t.step("the overflow reply", () => {
    assert.equal(OVERFLOW_RESPONSE.status, 503);
    assert.equal(OVERFLOW_RESPONSE.flags, "UO");
    assert.equal(OVERFLOW_RESPONSE.headers["x-envoy-overloaded"], "true");
    assert.equal(
      OVERFLOW_RESPONSE.body,
      "upstream connect error or disconnect/reset before headers. reset reason: overflow",
    );
  });
});
