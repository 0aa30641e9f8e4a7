import assert from "node:assert/strict";
import { type MeshConfig, parseMeshConfig } from "../../../gateway/config/mesh/mod.ts";
import type { GatewayIdentity } from "../../../gateway/compile/listeners.ts";
import { resolveTracing, type TracingResolution } from "../../../gateway/telemetry/tracing/mod.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";

const GATEWAY: GatewayIdentity = {
  labels: { app: "istio-ingressgateway", istio: "ingressgateway" },
  namespace: "istio-system",
};
const ISTIO_IO = new URL("../../../../shared/istio/istio.io/", import.meta.url);
const ISTIO = new URL("../../../../shared/istio/istio-istio/", import.meta.url);

const COLLECTOR = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: collector, namespace: observability}
spec:
  hosts: [opentelemetry-collector.observability.svc.cluster.local]
  resolution: DNS
  ports: [{number: 4317, name: grpc, protocol: GRPC}, {number: 4318, name: http, protocol: HTTP}]
---
`;

const PROVIDERS = `extensionProviders:
- name: otel
  opentelemetry:
    service: opentelemetry-collector.observability.svc.cluster.local
    port: 4318
    maxTagLength: 99
    http: {path: v1/traces, timeout: 2s, headers: [{name: Authorization, envName: OTEL_TOKEN}, {name: x-a, value: b}]}
- name: otel-grpc
  opentelemetry: {service: opentelemetry-collector.observability.svc.cluster.local, port: 4317}
- name: zipkin
  zipkin: {service: observability/opentelemetry-collector.observability.svc.cluster.local, port: 9411}
- name: zipkin-w3c
  zipkin:
    service: opentelemetry-collector.observability.svc.cluster.local
    port: 9411
    traceContextOption: USE_B3_WITH_W3C_PROPAGATION
- name: nowhere
  opentelemetry: {service: missing.example.com, port: 4318, http: {}}
`;

function mesh(text: string): MeshConfig {
  const { mesh, diagnostics } = parseMeshConfig("mesh.yaml", text);
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return mesh;
}

function resolve(yaml: string, meshText = PROVIDERS): TracingResolution {
  const loaded = loadYaml(COLLECTOR + yaml);
  assert.deepEqual(errorsOf(loaded), []);
  return resolveTracing(loaded.config, mesh(meshText), GATEWAY, (name) => `env:${name}`);
}

/** A Telemetry document moved to the root namespace (the samples have none). */
function inRoot(yaml: string): string {
  return yaml.replace("  name: otel-demo\n", "  name: otel-demo\n  namespace: istio-system\n");
}

function telemetry(name: string, namespace: string, spec: string): string {
  const body = spec.trim().split("\n").map((l) => `  ${l}`).join("\n");
  return `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${body}
---
`;
}

Deno.test("tracing resolve: nothing configured, tracing is off", () => {
  assert.deepEqual(resolve(""), { warnings: [] });
});

Deno.test("tracing resolve: defaultProviders.tracing turns it on with the mesh sampling (default 1%)", () => {
  const r = resolve("", `${PROVIDERS}defaultProviders: {tracing: [otel]}\n`);
  const s = r.settings!;
  assert.equal(s.provider, "otel");
  assert.equal(s.propagation, "w3c");
  assert.equal(s.samplingPercent, 1);
  assert.equal(s.useRequestIdForTraceSampling, true);
  assert.equal(s.enableIstioTags, true);
  assert.equal(s.propagate, true);
  assert.equal(s.maxPathTagLength, 99);
  assert.deepEqual(s.export, {
    format: "otlp",
    cluster: "outbound|4318||opentelemetry-collector.observability.svc.cluster.local",
    authority: "opentelemetry-collector.observability.svc.cluster.local",
    path: "/v1/traces",
    timeoutMs: 2000,
    headers: [["authorization", "env:OTEL_TOKEN"], ["x-a", "b"]],
  });
});

Deno.test("tracing resolve: istio.io tracing-sampling task (Telemetry 10% over the mesh default)", async () => {
  const meshText = await Deno.readTextFile(
    new URL("tracing-sampling/sampling-2-meshconfig-otel-provider.yaml", ISTIO_IO),
  );
  const task = await Deno.readTextFile(
    new URL("tracing-sampling/sampling-1-telemetry-random-sampling-10.yaml", ISTIO_IO),
  );
  const loaded = loadYaml(COLLECTOR + inRoot(task));
  assert.deepEqual(errorsOf(loaded), []);
  const r = resolveTracing(loaded.config, mesh(meshText), GATEWAY);
  assert.equal(r.settings?.samplingPercent, 10);
  assert.equal(r.settings?.environmentResource, true, "resource_detectors.environment");
  assert.equal(r.settings?.export, undefined, "the task's provider exports over gRPC");
  assert.match(r.warnings[0], /OTLP\/gRPC.*not exported/);
  // The istio/istio sample turns sampling down to 0 with the same provider.
  const sample = await Deno.readTextFile(new URL("samples/open-telemetry/tracing/telemetry.yaml", ISTIO));
  const zero = loadYaml(COLLECTOR + inRoot(sample));
  assert.equal(resolveTracing(zero.config, mesh(meshText), GATEWAY).settings?.samplingPercent, 0);
});

Deno.test("tracing resolve: namespace and workload entries override the root one, in order", () => {
  const r = resolve(
    telemetry(
      "mesh",
      "istio-system",
      `
tracing:
- providers: [{name: zipkin}]
  randomSamplingPercentage: 5
  customTags: {a: {literal: {value: x}}}`,
    ) +
      telemetry(
        "gw",
        "istio-system",
        `
selector: {matchLabels: {istio: ingressgateway}}
tracing:
- randomSamplingPercentage: 50
  useRequestIdForTraceSampling: false
  enableIstioTags: false
  disableContextPropagation: true
- match: {mode: SERVER}
  randomSamplingPercentage: 99
  providers: [{name: otel}]`,
      ),
  );
  const s = r.settings!;
  assert.equal(s.provider, "zipkin", "the SERVER-only entry does not apply to a gateway");
  assert.equal(s.providerType, "zipkin");
  assert.equal(s.propagation, "b3");
  assert.equal(s.samplingPercent, 50);
  assert.equal(s.useRequestIdForTraceSampling, false);
  assert.equal(s.enableIstioTags, false);
  assert.equal(s.propagate, false);
  assert.deepEqual(s.customTags, [{ name: "a", kind: "literal", value: "x" }], "tags are inherited");
  assert.equal(s.export?.format, "zipkin");
  assert.equal(s.export?.path, "/api/v2/spans");
  assert.equal(s.export?.timeoutMs, 5000);
  assert.equal(s.maxPathTagLength, 256);
});

Deno.test("tracing resolve: disabled, unknown or non-tracing providers turn tracing off", () => {
  const off = resolve(telemetry(
    "mesh",
    "istio-system",
    `
tracing:
- providers: [{name: otel}]
  disableSpanReporting: true`,
  ));
  assert.deepEqual(off, { warnings: [] });
  const unknown = resolve(telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: jaeger}]"));
  assert.equal(unknown.settings, undefined);
  assert.match(unknown.warnings[0], /"jaeger" is not defined/);
  const prometheus = resolve(
    telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: prometheus}]"),
  );
  assert.equal(prometheus.settings, undefined);
  assert.match(prometheus.warnings[0], /\(prometheus\) is not supported/);
  const reEnabled = resolve(
    telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: otel}]\n  disableSpanReporting: true") +
      telemetry(
        "gw",
        "istio-system",
        `
selector: {matchLabels: {istio: ingressgateway}}
tracing:
- disableSpanReporting: false`,
      ),
  );
  assert.equal(reEnabled.settings?.provider, "otel");
});

Deno.test("tracing resolve: the provider's service must be in the registry (istiod's LookupCluster)", () => {
  const missing = resolve(telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: nowhere}]"));
  assert.equal(missing.settings, undefined);
  assert.match(missing.warnings[0], /could not find service missing\.example\.com in Istio service registry/);
  const twice = resolve(
    telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: otel}]") +
      COLLECTOR.replace("namespace: observability", "namespace: other"),
  );
  assert.match(twice.warnings[0], /found .* in multiple namespaces \[observability other\]/);
  const qualified = resolve(
    telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: zipkin}]") +
      COLLECTOR.replace("namespace: observability", "namespace: other"),
  );
  assert.equal(
    qualified.settings?.export?.cluster,
    "outbound|9411||opentelemetry-collector.observability.svc.cluster.local",
    "namespace/host picks one",
  );
});

Deno.test("tracing resolve: Zipkin with W3C; custom tags fall back to the mesh's", () => {
  const r = resolve(
    telemetry("mesh", "istio-system", "tracing:\n- providers: [{name: zipkin-w3c}]"),
    `${PROVIDERS}defaultConfig:
  tracing:
    maxPathTagLength: 64
    customTags:
      zone: {environment: {name: ZONE, defaultValue: z}}
      b: {header: {name: X-B}}
`,
  );
  const s = r.settings!;
  assert.equal(s.propagation, "b3+w3c");
  assert.equal(s.maxPathTagLength, 64);
  assert.deepEqual(s.customTags, [
    { name: "b", kind: "header", from: "x-b", defaultValue: "" },
    { name: "zone", kind: "environment", from: "ZONE", defaultValue: "z" },
  ]);
  const own = resolve(
    telemetry(
      "mesh",
      "istio-system",
      `
tracing:
- providers: [{name: zipkin-w3c}]
  customTags: {f: {formatter: {value: "%REQ(:METHOD)%"}}}`,
    ),
    `${PROVIDERS}defaultConfig: {tracing: {customTags: {zone: {literal: {value: z}}}}}\n`,
  );
  assert.deepEqual(own.settings?.customTags, [{ name: "f", kind: "formatter", format: "%REQ(:METHOD)%" }]);
});
