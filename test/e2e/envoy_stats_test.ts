import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { fetchText, freePort, startUpstream } from "../helpers/net.ts";

Deno.test("admin stats: listener downstream_rq_* and cluster rq_active/pending gauges, as Envoy names them", async () => {
  const up = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(
      port,
      `  - match: [{uri: {prefix: /app}}]
    route: [{destination: {host: app}}]`,
    ) + staticService("app", [up.port]),
  );
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal((await fetchText(`http://127.0.0.1:${port}/app/${i}`)).status, 200);
    }
    assert.equal((await fetchText(`http://127.0.0.1:${port}/missing`)).status, 404);

    const prefix = `http.outbound_0.0.0.0_${port}`;
    const stats =
      (await fetchText(`${gw.adminUrl}/stats?filter=downstream_rq|rq_active|rq_pending_active`)).body;
    for (
      const line of [
        `${prefix}.downstream_rq_total: 4`,
        `${prefix}.downstream_rq_2xx: 3`,
        `${prefix}.downstream_rq_4xx: 1`,
        `${prefix}.downstream_rq_active: 0`,
        "cluster.outbound|80||app.default.svc.cluster.local.upstream_rq_active: 0",
        "cluster.outbound|80||app.default.svc.cluster.local.upstream_rq_pending_active: 0",
      ]
    ) assert.ok(stats.includes(`${line}\n`), `${line} in:\n${stats}`);

    const hcm = `envoy_http_conn_manager_prefix="outbound_0.0.0.0_${port}"`;
    // The admin port and Istio's merged scrape port serve the same Envoy stats.
    for (
      const url of [
        `${gw.adminUrl}/stats/prometheus`,
        `http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`,
      ]
    ) {
      const prom = (await fetchText(url)).body;
      assert.ok(prom.includes(`envoy_http_downstream_rq_total{${hcm}} 4\n`), prom);
      assert.ok(prom.includes(`envoy_http_downstream_rq_xx{envoy_response_code_class="2",${hcm}} 3\n`));
      assert.ok(prom.includes("# TYPE envoy_http_downstream_rq_active gauge\n"));
      assert.ok(
        prom.includes(
          'envoy_cluster_upstream_rq_active{cluster_name="outbound|80||app.default.svc.cluster.local"} 0\n',
        ),
      );
    }
  } finally {
    await gw.close();
    await up.close();
  }
});
