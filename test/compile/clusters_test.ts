import assert from "node:assert/strict";
import { compileYaml, DEFAULT_IDENTITY, loadYaml } from "../helpers/config.ts";
import { compileSnapshot } from "../../gateway/compile/snapshot.ts";
import { DEFAULT_MESH_CONFIG } from "../../gateway/config/mesh/mod.ts";

const SERVICES = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: http, protocol: HTTP}
  - {number: 9443, name: https, protocol: HTTPS, targetPort: 8443}
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
  - {address: 10.0.0.2, labels: {version: v2}, ports: {http: 19080}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: ratings}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-vm, namespace: default}
spec:
  address: 10.0.1.5
  labels: {app: ratings, version: v1}
  ports: {http: 9999}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.org]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
`;

Deno.test("clusters: one per service port and per subset, endpoints by label, ports by name or targetPort", () => {
  const snap = compileYaml(
    SERVICES + `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`,
  );
  const c = (name: string) => snap.clusters.get(name);
  const all = c("outbound|9080||reviews.default.svc.cluster.local")!;
  assert.deepEqual(all.endpoints.map((e) => `${e.address}:${e.port}`), ["10.0.0.1:9080", "10.0.0.2:19080"]);
  assert.deepEqual(
    c("outbound|9080|v2|reviews.default.svc.cluster.local")!.endpoints.map((e) => `${e.address}:${e.port}`),
    ["10.0.0.2:19080"],
  );
  assert.deepEqual(
    c("outbound|9443|v1|reviews.default.svc.cluster.local")!.endpoints.map((e) => `${e.address}:${e.port}`),
    ["10.0.0.1:8443"],
  );
  assert.equal(
    c("outbound|9080|v3|reviews.default.svc.cluster.local"),
    undefined,
    "unknown subset: no cluster (503 NC)",
  );
  assert.deepEqual(
    c("outbound|9080||ratings.default.svc.cluster.local")!.endpoints.map((e) => `${e.address}:${e.port}`),
    ["10.0.1.5:9999"],
    "WorkloadEntry selected by the ServiceEntry's workloadSelector",
  );
  const dns = c("outbound|80||httpbin.org")!;
  assert.equal(dns.resolution, "DNS");
  assert.deepEqual(
    dns.endpoints.map((e) => `${e.address}:${e.port}`),
    ["httpbin.org:80"],
    "DNS without endpoints resolves the host",
  );
});

Deno.test("clusters: DestinationRule policy merged per port and subset as Istio does", () => {
  const snap = compileYaml(
    SERVICES + `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool: {tcp: {maxConnections: 100}}
    portLevelSettings:
    - port: {number: 9443}
      loadBalancer: {simple: LEAST_REQUEST}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      connectionPool: {tcp: {maxConnections: 1}}
  - name: v2
    labels: {version: v2}
`,
  );
  const policy = (name: string) => snap.clusters.get(name)!.trafficPolicy;
  assert.equal(
    policy("outbound|9080||reviews.default.svc.cluster.local")?.loadBalancer?.simple,
    "ROUND_ROBIN",
  );
  assert.equal(
    policy("outbound|9443||reviews.default.svc.cluster.local")?.loadBalancer?.simple,
    "LEAST_REQUEST",
  );
  assert.equal(
    policy("outbound|9080|v1|reviews.default.svc.cluster.local")?.connectionPool?.tcp?.maxConnections,
    1,
  );
  assert.equal(
    policy("outbound|9080|v1|reviews.default.svc.cluster.local")?.loadBalancer?.simple,
    "ROUND_ROBIN",
  );
  assert.equal(
    policy("outbound|9443|v1|reviews.default.svc.cluster.local")?.loadBalancer?.simple,
    "LEAST_REQUEST",
  );
  assert.equal(
    policy("outbound|9080|v2|reviews.default.svc.cluster.local")?.connectionPool?.tcp?.maxConnections,
    100,
  );
  assert.equal(
    snap.clusters.get("outbound|9080||reviews.default.svc.cluster.local")!.destinationRule,
    "default/reviews",
  );
});

Deno.test("clusters: a destination without a port takes the service's only port, else the listener port", () => {
  const snap = compileYaml(
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /one}}]
    route: [{destination: {host: ratings}}]
  - route: [{destination: {host: unknown}}]
---
` + SERVICES,
  );
  const routes = snap.routeTables.get("http.8080")!.lookup("x")!.routes;
  const clusters = routes.map((r) => (r.action.kind === "route" ? r.action.clusters[0].cluster : ""));
  assert.deepEqual(clusters, [
    "outbound|9080||ratings.default.svc.cluster.local",
    "outbound|8080||unknown.default.svc.cluster.local",
  ]);
});

Deno.test("clusters: locality LB from the DestinationRule, else the mesh default, only with failover or distribute", () => {
  const identity = { ...DEFAULT_IDENTITY, locality: "us-east/zone1", network: "net1" };
  const text = SERVICES + `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: false}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute: [{from: "us-east/*", to: {"us-east/*": 100}}]
`;
  const snap = compileYaml(text, identity);
  const c = (name: string) => snap.clusters.get(name)!;
  const proxyLabels = {
    istio: "ingressgateway",
    "topology.kubernetes.io/region": "us-east",
    "topology.kubernetes.io/zone": "zone1",
    "topology.istio.io/network": "net1",
  };
  assert.deepEqual(c("outbound|9080||reviews.default.svc.cluster.local").localityLb, {
    setting: { enabled: true },
    failover: true,
    proxyLocality: "us-east/zone1",
    proxyLabels,
  });
  assert.equal(c("outbound|9080|v1|reviews.default.svc.cluster.local").localityLb?.failover, true);
  assert.equal(c("outbound|9080|v2|reviews.default.svc.cluster.local").localityLb, undefined, "disabled");
  const ratings = c("outbound|9080||ratings.default.svc.cluster.local").localityLb;
  assert.deepEqual([ratings?.failover, ratings?.setting.distribute?.length], [false, 1]);
  assert.equal(c("outbound|80||httpbin.org").localityLb, undefined, "no outlier detection, no distribute");
  // The mesh default turned off: only explicit DestinationRule settings remain.
  const off = compileSnapshot(loadYaml(text).config, {
    mesh: { ...DEFAULT_MESH_CONFIG, localityLbSetting: { enabled: false } },
    identity,
  });
  assert.equal(off.clusters.get("outbound|9080||reviews.default.svc.cluster.local")!.localityLb, undefined);
  assert.ok(off.clusters.get("outbound|9080||ratings.default.svc.cluster.local")!.localityLb);
});
