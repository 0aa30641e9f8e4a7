import assert from "node:assert/strict";
import type { Cluster } from "../../gateway/compile/types.ts";
import { ClusterStates } from "../../gateway/proxy/cluster_state.ts";
import { LocalityBalancer } from "../../gateway/upstream/load_balancer/mod.ts";

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

Deno.test("ClusterState.balancer: locality priorities follow outlier ejections; a single pool stays a plain balancer", () => {
  const endpoints = [
    { address: "10.0.0.1", port: 80, labels: {}, weight: 1, locality: "us-east/z1" },
    { address: "10.0.0.2", port: 80, labels: {}, weight: 1, locality: "us-east/z1" },
    { address: "10.0.0.3", port: 80, labels: {}, weight: 1, locality: "eu/z1" },
  ];
  const located: Cluster = {
    ...cluster([80]),
    endpoints,
    trafficPolicy: {
      loadBalancer: { simple: "ROUND_ROBIN" },
      outlierDetection: { consecutive5xxErrors: 1, maxEjectionPercent: 100 },
    },
    localityLb: { setting: {}, failover: true, proxyLocality: "us-east/z1", proxyLabels: {} },
  };
  const state = new ClusterStates().get(located);
  const lb = state.balancer(endpoints);
  assert.ok(lb instanceof LocalityBalancer);
  const picks = () => new Set(Array.from({ length: 20 }, () => lb.choose()?.address));
  assert.deepEqual([...picks()].sort(), ["10.0.0.1", "10.0.0.2"]);
  state.outlier!.recordResult(endpoints[0], { status: 503 });
  state.outlier!.recordResult(endpoints[1], { status: 503 });
  assert.deepEqual([...picks()], ["10.0.0.3"], "both local endpoints ejected: the remote priority");
  // The gateway's locality unknown: every endpoint equally remote, one pool.
  const flat = new ClusterStates().get({
    ...located,
    localityLb: { ...located.localityLb!, proxyLocality: "" },
  });
  assert.ok(!(flat.balancer(endpoints) instanceof LocalityBalancer));
  assert.equal(flat.balancer(endpoints).kind, "ROUND_ROBIN");
});
