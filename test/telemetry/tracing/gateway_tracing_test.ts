import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { type MeshConfig, parseMeshConfig } from "../../../gateway/config/mesh/mod.ts";
import type { ConfigSet } from "../../../gateway/config/config_set.ts";
import { GatewayTelemetry, type TelemetrySettings } from "../../../gateway/telemetry/mod.ts";
import type { ExportRequest } from "../../../gateway/telemetry/tracing/mod.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import { productpage } from "../_records.ts";

const COLLECTOR = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: collector, namespace: observability}
spec:
  hosts: [collector.observability.svc.cluster.local]
  resolution: DNS
  ports: [{number: 4318, name: http, protocol: HTTP}]
---
`;

const METRICS_OFF = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh, namespace: istio-system}
spec:
  metrics: [{overrides: [{disabled: true}]}]
---
`;

function mesh(extra = ""): MeshConfig {
  const { mesh, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    `extensionProviders:
- name: otel
  opentelemetry: {service: collector.observability.svc.cluster.local, port: 4318, http: {path: /v1/traces}}
- name: otel2
  opentelemetry: {service: collector.observability.svc.cluster.local, port: 4318, http: {path: /other}}
${extra}`,
  );
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return mesh;
}

function config(yaml: string) {
  const loaded = loadYaml(COLLECTOR + yaml);
  assert.deepEqual(errorsOf(loaded), []);
  return loaded.config;
}

function telemetry(requests: ExportRequest[]) {
  return new GatewayTelemetry({
    registry: new Registry(),
    identity: {
      labels: { app: "istio-ingressgateway", istio: "ingressgateway", "topology.kubernetes.io/zone": "z1" },
      namespace: "istio-system",
    },
    hostname: "gw",
    spanTransport: (req) => {
      requests.push(req);
      return Promise.resolve(200);
    },
    tracing: { env: (name) => (name === "OTEL_RESOURCE_ATTRIBUTES" ? "k8s.pod.name=gw-1" : undefined) },
  });
}

/** A config change as the gateway applies it: the code it needs imported first, then the update. */
async function apply(t: GatewayTelemetry, set: ConfigSet, m: MeshConfig): Promise<TelemetrySettings> {
  await t.loadFor(set, m);
  return t.update(set, m);
}

/** One sampled request through `t`'s tracer, ended by `record`. */
function traceOne(t: GatewayTelemetry): void {
  const trace = t.tracer!.start("10.0.0.1", performance.now(), {});
  trace.onUpstreamHeaders(HeaderList.from({ "x-request-id": "00000000-6d84-429d-98bd-c5aee93b5c88" }));
  t.record({ ...productpage(), trace });
}

Deno.test("gateway tracing: tracing alone keeps request tracking on; spans go through the transport", async () => {
  const requests: ExportRequest[] = [];
  const t = telemetry(requests);
  await apply(t, config(METRICS_OFF), mesh());
  assert.equal(t.active, false, "no metrics, no logs, no tracing");
  assert.equal(t.tracer === undefined, true);
  assert.equal(t.tracing, undefined, "no tracing code made while no config asks for it");
  const settings = await apply(t, config(METRICS_OFF), mesh("defaultProviders: {tracing: [otel]}\n"));
  assert.deepEqual(settings.warnings, []);
  assert.equal(t.active, true);
  assert.equal(t.tracer?.settings.samplingPercent, 1);
  assert.equal(t.tracer?.node.zone, "z1");
  traceOne(t);
  await t.flush();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].cluster, "outbound|4318||collector.observability.svc.cluster.local");
  const body = JSON.parse(new TextDecoder().decode(requests[0].body));
  const span = body.resourceSpans[0].scopeSpans[0].spans[0];
  const tags = Object.fromEntries(
    span.attributes.map((a: { key: string; value: { stringValue: string } }) => [a.key, a.value.stringValue]),
  );
  assert.equal(tags["istio.canonical_service"], "istio-ingressgateway");
  assert.equal(tags["istio.canonical_revision"], "latest");
  assert.equal(tags["istio.mesh_id"], "cluster.local");
  assert.equal(tags["istio.cluster_id"], "Kubernetes");
  assert.equal(tags["zone"], "z1");
  assert.equal(tags["node_id"], "router~istio-ingressgateway.istio-system");
  assert.deepEqual(body.resourceSpans[0].resource.attributes, [
    { key: "service.name", value: { stringValue: "istio-ingressgateway.istio-system" } },
  ]);
  await t.close();
});

Deno.test("gateway tracing: the exporter survives config changes with the same target, not others", async () => {
  const requests: ExportRequest[] = [];
  const t = telemetry(requests);
  const on = (provider: string) =>
    config(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh, namespace: istio-system}
spec:
  tracing: [{providers: [{name: ${provider}}], randomSamplingPercentage: 100}]
---
`);
  await apply(t, on("otel"), mesh());
  traceOne(t);
  await apply(t, on("otel"), mesh());
  traceOne(t);
  assert.equal(t.tracing?.stats?.requests, 0, "below the batch size, nothing sent yet");
  await apply(t, on("otel2"), mesh());
  traceOne(t);
  await apply(t, config(""), mesh());
  assert.equal(t.tracer === undefined, true, "tracing off");
  await t.flush();
  assert.deepEqual(requests.map((r) => r.path), ["/v1/traces", "/other"], "replaced exporters flush");
  const first = JSON.parse(new TextDecoder().decode(requests[0].body));
  assert.equal(first.resourceSpans[0].scopeSpans[0].spans.length, 2, "both configs' spans, one exporter");
  await t.close();
});

Deno.test("gateway tracing: the environment resource detector; unsent exports are reported", async () => {
  const requests: ExportRequest[] = [];
  const t = telemetry(requests);
  const grpc = await apply(
    t,
    config(""),
    mesh(`- name: grpc
  opentelemetry: {service: collector.observability.svc.cluster.local, port: 4318}
defaultProviders: {tracing: [grpc]}
`),
  );
  assert.match(grpc.warnings[0], /OTLP\/gRPC/);
  assert.ok(t.tracer, "spans are still made and propagated");
  assert.equal(t.tracing?.stats, undefined);

  await apply(
    t,
    config(""),
    mesh(`- name: env
  opentelemetry:
    service: collector.observability.svc.cluster.local
    port: 4318
    http: {}
    resourceDetectors: {environment: {}}
defaultProviders: {tracing: [env]}
`),
  );
  traceOne(t);
  await t.flush();
  const body = JSON.parse(new TextDecoder().decode(requests[0].body));
  assert.equal(requests[0].path, "/v1/traces", "an empty http.path is OTLP's");
  assert.deepEqual(body.resourceSpans[0].resource.attributes, [
    { key: "service.name", value: { stringValue: "istio-ingressgateway.istio-system" } },
    { key: "k8s.pod.name", value: { stringValue: "gw-1" } },
  ]);
  await t.close();
});
