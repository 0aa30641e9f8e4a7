import assert from "node:assert/strict";
import { DEFAULT_MESH_CONFIG } from "../../gateway/config/mesh/mod.ts";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

Deno.test("telemetry: Istio metrics on :15090 and JSON access log lines carry codes, flags and details", async () => {
  const dir = await Deno.makeTempDir();
  const logFile = `${dir}/access.log`;
  const app = startUpstream("app");
  const deadPort = freePort();
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(
      port,
      `  - match: [{uri: {prefix: /dead}}]
    route: [{destination: {host: dead, port: {number: 80}}}]
    retries: {attempts: 1, retryOn: connect-failure}
  - match: [{uri: {prefix: /app}}]
    route: [{destination: {host: app, port: {number: 80}}}]`,
    ) + staticService("app", [app.port]) + staticService("dead", [deadPort]),
    { mesh: { ...DEFAULT_MESH_CONFIG, accessLogFile: logFile, accessLogEncoding: "JSON" } },
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    assert.equal(
      (await fetchText(`${base}/app/x`, { headers: { "user-agent": "telemetry-test" } })).status,
      200,
    );
    assert.equal((await fetchText(`${base}/dead`)).status, 503);
    assert.equal((await fetchText(`${base}/nothing`)).status, 404);

    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    const series = metrics.split("\n").filter((l) => l.startsWith("istio_requests_total{"));
    const find = (code: string, flags: string) =>
      series.find((l) => l.includes(`response_code="${code}"`) && l.includes(`response_flags="${flags}"`));
    const ok = find("200", "-");
    assert.ok(ok?.includes('reporter="source"') && ok.includes('source_workload="istio-ingressgateway"'), ok);
    assert.ok(ok?.includes('destination_service="app.default.svc.cluster.local"'), ok);
    assert.ok(ok?.endsWith(" 1"), ok);
    assert.ok(find("503", "UF,URX"), series.join("\n"));
    assert.ok(find("404", "NR"), series.join("\n"));
    assert.ok(metrics.includes("istio_request_duration_milliseconds_bucket{"));

    await gw.close(); // flushes the access log
    let text = "";
    assert.ok(
      await eventually(async () => {
        text = await Deno.readTextFile(logFile).catch(() => "");
        return text.trim().split("\n").length >= 3;
      }),
    );
    const entries = text.trim().split("\n").map((l) => JSON.parse(l));
    const byCode = (code: number) => entries.find((e) => e.response_code === code);
    assert.equal(byCode(200).response_flags, "-");
    assert.equal(byCode(200).response_code_details, "via_upstream");
    assert.equal(byCode(200).user_agent, "telemetry-test");
    assert.equal(byCode(200).upstream_host, `127.0.0.1:${app.port}`);
    assert.equal(byCode(200).upstream_cluster, "outbound|80||app.default.svc.cluster.local");
    assert.equal(byCode(200).bytes_sent, 3);
    assert.equal(byCode(503).response_flags, "UF,URX");
    assert.equal(
      byCode(503).response_code_details,
      "upstream_reset_before_response_started{connection_failure}",
    );
    assert.equal(byCode(404).response_flags, "NR");
    assert.equal(byCode(404).response_code_details, "route_not_found");
    assert.match(byCode(200).x_request_id ?? byCode(200).request_id ?? "", /^[0-9a-f-]{36}$/);
  } finally {
    await gw.close().catch(() => {});
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("telemetry: a Telemetry resource disabling all metrics stops istio_* series (and request tracking)", async () => {
  const app = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
      staticService("app", [app.port]) + `---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  metrics:
  - providers: [{name: prometheus}]
    overrides:
    - match: {metric: ALL_METRICS}
      disabled: true
`,
  );
  try {
    assert.equal((await fetchText(`http://127.0.0.1:${port}/x`)).status, 200);
    const metrics = (await fetchText(`http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`)).body;
    assert.ok(!metrics.split("\n").some((l) => l.startsWith("istio_requests_total{")), metrics);
  } finally {
    await gw.close();
    await app.close();
  }
});
