import assert from "node:assert/strict";
import { compileYaml, request, routeFor } from "../helpers/config.ts";

const SHARED = new URL("../../../shared/istio/istio-istio/samples/", import.meta.url);

function gateway(name = "gw", ns = "istio-system", hosts = '["*"]', port = 80, extra = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${port}, name: http, protocol: HTTP}
    hosts: ${hosts}
${extra}---
`;
}

function vs(name: string, body: string, ns = "default", created?: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ""}}
spec:
${body}
---
`;
}

function clusterOf(route: ReturnType<typeof routeFor>): string | undefined {
  return route?.action.kind === "route" ? route.action.clusters[0]?.cluster : undefined;
}

Deno.test("bookinfo gateway: the sample's routes, and 404 for anything else", async () => {
  const text = await Deno.readTextFile(new URL("bookinfo/networking/bookinfo-gateway.yaml", SHARED));
  const snap = compileYaml(text);
  assert.deepEqual(snap.listeners.map((l) => l.port), [8080]);
  const table = "http.8080";
  for (const path of ["/productpage", "/static/app.js", "/login", "/logout", "/api/v1/products/1"]) {
    assert.equal(
      clusterOf(routeFor(snap, table, request("any.host", path, {}, 8080))),
      "outbound|9080||productpage.default.svc.cluster.local",
      path,
    );
  }
  assert.equal(
    routeFor(snap, table, request("any.host", "/productpage/x", {}, 8080)),
    undefined,
    "exact match",
  );
  assert.equal(routeFor(snap, table, request("any.host", "/", {}, 8080)), undefined);
});

Deno.test("several VirtualServices for one host: creation order, catch-alls last", () => {
  const snap = compileYaml(
    gateway() +
      vs(
        "first",
        `  hosts: [a.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: first-b}}]\n  - route: [{destination: {host: first-all}}]`,
        "default",
        "2024-01-01T00:00:00Z",
      ) +
      vs(
        "second",
        `  hosts: [a.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{uri: {prefix: /b/c}}]\n    route: [{destination: {host: second-bc}}]\n  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: second-api}}]`,
        "default",
        "2024-01-02T00:00:00Z",
      ),
  );
  const at = (path: string) => clusterOf(routeFor(snap, "http.80", request("a.com", path)));
  assert.equal(
    at("/api/x"),
    "outbound|80||second-api.default.svc.cluster.local",
    "later /api beats earlier catch-all",
  );
  assert.equal(at("/b/c/d"), "outbound|80||first-b.default.svc.cluster.local", "earlier /b beats later /b/c");
  assert.equal(
    at("/bc"),
    "outbound|80||first-b.default.svc.cluster.local",
    "prefixes are raw string prefixes",
  );
  assert.equal(at("/other"), "outbound|80||first-all.default.svc.cluster.local");
});

Deno.test("creation timestamps order VirtualServices, not file order", () => {
  const snap = compileYaml(
    gateway() +
      vs(
        "late",
        `  hosts: [a.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{uri: {prefix: /}}, {headers: {x: {exact: "1"}}}]\n    route: [{destination: {host: late}}]`,
        "default",
        "2024-02-01T00:00:00Z",
      ) +
      vs(
        "early",
        `  hosts: [a.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{headers: {x: {exact: "1"}}}]\n    route: [{destination: {host: early}}]`,
        "default",
        "2024-01-01T00:00:00Z",
      ),
  );
  assert.equal(
    clusterOf(routeFor(snap, "http.80", request("a.com", "/", { x: "1" }))),
    "outbound|80||early.default.svc.cluster.local",
  );
});

Deno.test("binding: no gateways means mesh only; names resolve in the VirtualService namespace", () => {
  const snap = compileYaml(
    gateway("my-gw", "istio-system") + gateway("my-gw", "default").replace("name: http", "name: http-d") +
      vs("mesh-only", `  hosts: [a.com]\n  http:\n  - route: [{destination: {host: a}}]`) +
      vs(
        "local-ref",
        `  hosts: [b.com]\n  gateways: [my-gw]\n  http:\n  - route: [{destination: {host: b}}]`,
      ) +
      vs(
        "full-ref",
        `  hosts: [c.com]\n  gateways: [istio-system/my-gw]\n  http:\n  - route: [{destination: {host: c}}]`,
      ),
  );
  const domains = snap.routeTables.get("http.80")!.virtualHosts.map((v) => v.domains[0]).sort();
  assert.deepEqual(domains, ["b.com", "c.com"]);
  assert.equal(routeFor(snap, "http.80", request("a.com", "/")), undefined);
});

Deno.test("binding: server host namespaces, exportTo and host intersection", () => {
  const snap = compileYaml(
    gateway("gw", "istio-system", '["prod/*.example.com", "./own.example.com", "shared.example.com"]') +
      vs(
        "p",
        `  hosts: [a.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: p}}]`,
        "prod",
      ) +
      vs(
        "d",
        `  hosts: [b.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: d}}]`,
        "dev",
      ) +
      vs(
        "o",
        `  hosts: ["*"]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: o}}]`,
        "istio-system",
      ) +
      vs(
        "hidden",
        `  hosts: [shared.example.com]\n  gateways: [istio-system/gw]\n  exportTo: ["."]\n  http:\n  - route: [{destination: {host: h}}]`,
        "prod",
      ),
  );
  const domains = snap.routeTables.get("http.80")!.virtualHosts.map((v) => v.domains[0]).sort();
  assert.deepEqual(domains, ["a.example.com", "own.example.com", "shared.example.com"]);
  const shared = routeFor(snap, "http.80", request("shared.example.com", "/"));
  assert.equal(
    clusterOf(shared),
    "outbound|80||o.istio-system.svc.cluster.local",
    "exportTo . hides prod/hidden",
  );
});

Deno.test("rules after a catch-all are unreachable; match port and gateways filter matches", () => {
  const snap = compileYaml(
    gateway(
      "gw",
      "istio-system",
      '["*"]',
      80,
      '  - port: {number: 81, name: http-81, protocol: HTTP}\n    hosts: ["*"]\n',
    ) +
      vs(
        "v",
        `  hosts: [a.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /p}, port: 81}]
    route: [{destination: {host: only-81}}]
  - match: [{uri: {prefix: /g}, gateways: [istio-system/other]}]
    route: [{destination: {host: other-gw}}]
  - route: [{destination: {host: all}}]
  - match: [{uri: {prefix: /never}}]
    route: [{destination: {host: never}}]`,
      ),
  );
  const r80 = snap.routeTables.get("http.80")!.lookup("a.com")!.routes;
  assert.deepEqual(r80.map((r) => clusterOf(r as never)), ["outbound|80||all.default.svc.cluster.local"]);
  const r81 = snap.routeTables.get("http.81")!.lookup("a.com")!.routes;
  assert.deepEqual(r81.map((r) => clusterOf(r as never)), [
    "outbound|81||only-81.default.svc.cluster.local",
    "outbound|81||all.default.svc.cluster.local",
  ]);
});

Deno.test("httpsRedirect marks the server's virtual hosts as requiring TLS", () => {
  const snap = compileYaml(
    gateway("gw", "istio-system", '["secure.com"]').replace(
      'hosts: ["secure.com"]',
      'hosts: ["secure.com"]\n    tls: {httpsRedirect: true}',
    ),
  );
  assert.equal(snap.routeTables.get("http.80")!.lookup("secure.com")?.requireTls, true);
});

Deno.test("a Gateway whose selector does not match this workload is ignored", () => {
  const snap = compileYaml(gateway().replace("istio: ingressgateway", "istio: egressgateway"));
  assert.equal(snap.listeners.length, 0);
});

Deno.test("delegate VirtualServices: root match AND delegate match, root policies inherited", () => {
  const snap = compileYaml(
    gateway() +
      vs(
        "root",
        `  hosts: [a.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{uri: {prefix: /reviews}}]\n    timeout: 3s\n    delegate: {name: reviews, namespace: team}`,
      ) +
      vs(
        "reviews",
        `  http:\n  - match: [{uri: {prefix: /reviews/v2}}]\n    route: [{destination: {host: reviews-v2}}]\n  - route: [{destination: {host: reviews}}]`,
        "team",
      ),
  );
  const v2 = routeFor(snap, "http.80", request("a.com", "/reviews/v2/1"));
  assert.equal(clusterOf(v2), "outbound|80||reviews-v2.team.svc.cluster.local");
  assert.equal(v2?.timeoutMs, 3000);
  assert.equal(
    clusterOf(routeFor(snap, "http.80", request("a.com", "/reviews/1"))),
    "outbound|80||reviews.team.svc.cluster.local",
  );
  assert.equal(
    routeFor(snap, "http.80", request("a.com", "/other")),
    undefined,
    "delegate catch-all still needs the root match",
  );
});

Deno.test("route operation (x-envoy-decorator-operation): host:port plus path, or the VirtualService name", async () => {
  const text = await Deno.readTextFile(new URL("bookinfo/networking/bookinfo-gateway.yaml", SHARED));
  const snap = compileYaml(text);
  const op = (path: string) => routeFor(snap, "http.8080", request("any.host", path, {}, 8080))?.operation;
  // One destination: its host and port from the cluster name (the VirtualService routes to port 9080).
  assert.equal(op("/productpage"), "productpage.default.svc.cluster.local:9080/productpage");
  assert.equal(op("/static/app.js"), "productpage.default.svc.cluster.local:9080/static*");
  const split = compileYaml(
    gateway() + vs(
      "split",
      `  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {regex: "/v[0-9]+/.*"}}]
    route:
    - {destination: {host: a}, weight: 50}
    - {destination: {host: b}, weight: 50}
  - directResponse: {status: 200}`,
    ),
  );
  assert.equal(routeFor(split, "http.80", request("x", "/v1/y"))?.operation, "split:80/v[0-9]+/.*");
  assert.equal(routeFor(split, "http.80", request("x", "/other"))?.operation, "split:80/*");
});
