import assert from "node:assert/strict";
import type { Cluster } from "../../gateway/compile/types.ts";
import { ClusterStates } from "../../gateway/proxy/cluster_state.ts";

function cluster(ports: number[], maxConnections?: number): Cluster {
  return {
    name: "outbound|80||app.default.svc.cluster.local",
    host: "app.default.svc.cluster.local",
    port: 80,
    protocol: "HTTP",
    resolution: "STATIC",
    endpoints: ports.map((port) => ({ address: "10.0.0.1", port, labels: {}, weight: 1 })),
    trafficPolicy: maxConnections ? { connectionPool: { tcp: { maxConnections } } } : undefined,
  };
}

Deno.test("ClusterStates: state survives an identical cluster, endpoints new to a changed cluster start warming up", () => {
  const states = new ClusterStates();
  const first = cluster([1, 2]);
  const a = states.get(first);
  a.balancer(first.endpoints);
  assert.equal(states.get(cluster([1, 2])), a, "same policy and endpoints: same state");
  const changed = cluster([1, 2, 3]);
  const before = Date.now();
  const b = states.get(changed);
  assert.notEqual(b, a);
  b.balancer(changed.endpoints);
  assert.equal(b.joinedAt(changed.endpoints[0]), undefined, "there from the start: no warmup");
  const joined = b.joinedAt(changed.endpoints[2]);
  assert.ok(joined !== undefined && joined >= before, "a new endpoint warms up from when it appeared");
});

Deno.test("ClusterState.admit: maxConnections 1 dispatches one, queues one, overflows the third", async () => {
  const states = new ClusterStates();
  const state = states.get({
    ...cluster([1]),
    trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } },
  });
  const first = state.admit();
  assert.ok(first && !(first instanceof Promise));
  const queued = state.admit();
  assert.ok(queued instanceof Promise);
  assert.equal(state.admit(), undefined, "pending queue full: overflow");
  first.release();
  const second = await queued;
  assert.ok(second);
  second.release();
});
