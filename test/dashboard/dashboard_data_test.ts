import assert from "node:assert/strict";
import { dashboardData } from "../../gateway/dashboard/dashboard_data.ts";
import { TrafficWindow } from "../../gateway/dashboard/traffic_window.ts";
import { gatewayWithRoutes, staticService } from "../helpers/gateway.ts";
import { compileYaml } from "../helpers/config.ts";

const CONFIG = gatewayWithRoutes(
  8080,
  `  - name: reviews
    match:
    - uri: {prefix: /reviews}
      headers: {end-user: {exact: jason}}
    - uri: {regex: "/r[0-9]+"}
      withoutHeaders: {x-test: {}}
    route:
    - destination: {host: app, port: {number: 80}}
      weight: 75
    - destination: {host: app, port: {number: 80}}
      weight: 25
  - match: [{uri: {exact: /home}}]
    redirect: {uri: /productpage}
  - directResponse: {status: 418}`,
) + staticService("app", [9001, 9002]);

Deno.test("dashboard data: route tables per listener with labels, matches, actions and series keys", () => {
  const snapshot = compileYaml(CONFIG);
  const data = dashboardData(snapshot, [], [], new TrafficWindow().view());
  assert.equal(data.version, snapshot.version);
  assert.equal(data.routeTables.length, 1);
  const table = data.routeTables[0];
  assert.deepEqual([table.name, table.port, table.noRouteKey], ["http.8080", 8080, "8080 (no route)"]);
  const routes = table.virtualHosts[0].routes;
  const cluster = "outbound|80||app.default.svc.cluster.local";
  assert.deepEqual(routes.map((r) => [r.key, r.label, r.match, r.action]), [
    [
      "8080 default/app 0.0",
      'http[0].match[0] "reviews"',
      "uri ^= /reviews, header end-user = jason",
      `${cluster} (75%), ${cluster} (25%)`,
    ],
    [
      "8080 default/app 0.1",
      'http[0].match[1] "reviews"',
      "uri ~ /r[0-9]+, not header x-test present",
      `${cluster} (75%), ${cluster} (25%)`,
    ],
    ["8080 default/app 1.0", "http[1].match[0]", "uri = /home", "redirect 301 → /productpage"],
    ["8080 default/app 2.*", "http[2]", "*", "direct response 418"],
  ]);
});

Deno.test("dashboard data: listeners name their route tables; no config yet gives empty tables", () => {
  const snapshot = compileYaml(CONFIG);
  const state = {
    name: "0.0.0.0_8080",
    port: 8080,
    boundPort: 18080,
    address: "127.0.0.1",
    protocol: "HTTP",
    state: "listening" as const,
  };
  assert.deepEqual(dashboardData(snapshot, [state], [], new TrafficWindow().view()).listeners, [
    { ...state, routeTables: ["http.8080"] },
  ]);
  const empty = dashboardData(undefined, [], [], new TrafficWindow().view());
  assert.deepEqual([empty.version, empty.routeTables, empty.listeners], [0, [], []]);
});
