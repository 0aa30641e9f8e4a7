import assert from "node:assert/strict";
import { parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import type { MeshConfig } from "../../gateway/config/mesh/mod.ts";
import {
  ISTIO_DEFAULT_JSON_LABELS,
  ISTIO_DEFAULT_TEXT_FORMAT,
  resolveTelemetry,
  type TelemetrySettings,
} from "../../gateway/telemetry/mod.ts";
import { ENVOY_DEFAULT_TEXT_FORMAT } from "../../gateway/telemetry/access_log/default_formats.ts";
import type { GatewayIdentity } from "../../gateway/compile/listeners.ts";
import { errorsOf, loadYaml } from "../helpers/config.ts";

const GATEWAY: GatewayIdentity = {
  labels: { app: "istio-ingressgateway", istio: "ingressgateway" },
  namespace: "istio-system",
};

function mesh(text = ""): MeshConfig {
  const { mesh, diagnostics } = parseMeshConfig("mesh.yaml", text);
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return mesh;
}

function resolve(yaml: string, meshText = "", identity: GatewayIdentity = GATEWAY): TelemetrySettings {
  const loaded = loadYaml(yaml);
  assert.deepEqual(errorsOf(loaded), []);
  return resolveTelemetry(loaded.config, mesh(meshText), identity);
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

Deno.test("resolve: no Telemetry and a bare mesh config: metrics on (prometheus), no access log", () => {
  const s = resolve("");
  assert.deepEqual(s.metrics, { enabled: true, provider: "prometheus", overrides: [] });
  assert.deepEqual(s.accessLogs, []);
  assert.deepEqual(s.sources, []);
  assert.deepEqual(s.warnings, []);
});

Deno.test("resolve: meshConfig accessLogFile with TEXT and JSON encodings", () => {
  const text = resolve("", "accessLogFile: /dev/stdout");
  assert.deepEqual(text.accessLogs, [{
    provider: "",
    path: "/dev/stdout",
    format: { type: "text", text: ISTIO_DEFAULT_TEXT_FORMAT },
    omitEmptyValues: false,
  }]);
  const custom = resolve(
    "",
    `accessLogFile: /var/log/gw.log\naccessLogFormat: "%REQ(:METHOD)% %RESPONSE_CODE%"`,
  );
  assert.deepEqual(custom.accessLogs[0].format, { type: "text", text: "%REQ(:METHOD)% %RESPONSE_CODE%\n" });
  const json = resolve("", "accessLogFile: /dev/stdout\naccessLogEncoding: JSON");
  assert.deepEqual(json.accessLogs[0].format, { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS });
  const jsonCustom = resolve(
    "",
    `accessLogFile: /dev/stdout\naccessLogEncoding: JSON\naccessLogFormat: '{"code": "%RESPONSE_CODE%"}'`,
  );
  assert.deepEqual(jsonCustom.accessLogs[0].format, { type: "json", labels: { code: "%RESPONSE_CODE%" } });
  const jsonBad = resolve(
    "",
    `accessLogFile: /dev/stdout\naccessLogEncoding: JSON\naccessLogFormat: "%CODE%"`,
  );
  assert.deepEqual(jsonBad.accessLogs[0].format, { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS });
  assert.match(jsonBad.warnings[0], /not a JSON object/);
});

Deno.test("resolve: mesh-wide Telemetry with the envoy provider follows the mesh encoding", () => {
  const yaml = telemetry("mesh-default", "istio-system", "accessLogging:\n- providers: [{name: envoy}]");
  const s = resolve(yaml, "accessLogEncoding: JSON");
  assert.deepEqual(s.sources, ["istio-system/mesh-default"]);
  assert.deepEqual(s.accessLogs, [{
    provider: "envoy",
    path: "/dev/stdout",
    format: { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS },
    omitEmptyValues: false,
  }]);
});

Deno.test("resolve: file access-log providers with text, labels, or neither", () => {
  const meshText = `extensionProviders:
- name: text-log
  envoyFileAccessLog:
    path: /var/log/text.log
    logFormat: {text: "%RESPONSE_CODE% %REQ(:PATH)%"}
- name: json-log
  envoyFileAccessLog:
    logFormat:
      labels: {code: "%RESPONSE_CODE%", path: "%REQ(:PATH)%"}
    omitEmptyValues: true
- name: empty-format
  envoyFileAccessLog: {path: /var/log/envoy.log, logFormat: {}}
- name: otel
  envoyOtelAls: {service: otel.istio-system.svc.cluster.local, port: 4317}
`;
  const yaml = telemetry(
    "logs",
    "istio-system",
    "accessLogging:\n- providers: [{name: text-log}, {name: json-log}, {name: empty-format}, {name: otel}]",
  );
  const s = resolve(yaml, meshText);
  assert.deepEqual(s.accessLogs, [
    {
      provider: "empty-format",
      path: "/var/log/envoy.log",
      format: { type: "text", text: ENVOY_DEFAULT_TEXT_FORMAT },
      omitEmptyValues: false,
    },
    {
      provider: "json-log",
      path: "/dev/stdout",
      format: { type: "json", labels: { code: "%RESPONSE_CODE%", path: "%REQ(:PATH)%" } },
      omitEmptyValues: true,
    },
    {
      provider: "text-log",
      path: "/var/log/text.log",
      format: { type: "text", text: "%RESPONSE_CODE% %REQ(:PATH)%\n" },
      omitEmptyValues: false,
    },
  ]);
  assert.deepEqual(s.warnings, ['access log provider "otel" (envoyOtelAls) is not supported; it is ignored']);
});

Deno.test("resolve: access-log filter, and a workload Telemetry that disables logging", () => {
  const mesh = telemetry(
    "default-exception-logging",
    "istio-system",
    `accessLogging:\n- providers: [{name: envoy}]\n  filter: {expression: "response.code >= 400"}`,
  );
  const s = resolve(mesh);
  assert.deepEqual(s.accessLogs.map((l) => [l.provider, l.filter]), [["envoy", "response.code >= 400"]]);

  const disable = telemetry(
    "no-gateway-logs",
    "istio-system",
    "selector: {matchLabels: {istio: ingressgateway}}\naccessLogging:\n- providers: [{name: envoy}]\n  disabled: true",
  );
  const off = resolve(mesh + disable, "accessLogFile: /dev/stdout");
  // Disabled by Telemetry: MeshConfig's accessLogFile does not come back.
  assert.deepEqual(off.accessLogs, []);
  assert.deepEqual(off.sources, ["istio-system/default-exception-logging", "istio-system/no-gateway-logs"]);

  // A selector that does not match this gateway changes nothing.
  const other = disable.replace("istio: ingressgateway", "app: sleep");
  assert.equal(resolve(mesh + other).accessLogs.length, 1);
});

Deno.test("resolve: SERVER-mode logging does not apply to a gateway; nothing left falls back to MeshConfig", () => {
  const yaml = telemetry(
    "server-only",
    "istio-system",
    "accessLogging:\n- providers: [{name: envoy}]\n  match: {mode: SERVER}",
  );
  const s = resolve(yaml, "accessLogFile: /var/log/mesh.log");
  assert.deepEqual(s.accessLogs.map((l) => l.path), ["/var/log/mesh.log"]);
});

Deno.test("resolve: namespace-wide Telemetry in the gateway namespace overrides the root namespace", () => {
  const root = telemetry("mesh", "istio-system", "accessLogging:\n- providers: [{name: envoy}]");
  const ns = telemetry("gw-ns", "gateways", "accessLogging:\n- providers: [{name: envoy}]\n  disabled: true");
  const inGateways = { labels: { istio: "ingressgateway" }, namespace: "gateways" };
  assert.deepEqual(resolve(root + ns, "", inGateways).accessLogs, []);
  assert.equal(resolve(root + ns).accessLogs.length, 1);
});

Deno.test("resolve: targetRefs select Gateway API gateways only", () => {
  const byRef = telemetry(
    "by-ref",
    "istio-system",
    `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
metrics:
- overrides: [{disabled: true}]`,
  );
  assert.equal(resolve(byRef).metrics.enabled, true);
  const gatewayApi = {
    labels: { "gateway.networking.k8s.io/gateway-name": "edge" },
    namespace: "istio-system",
  };
  assert.equal(resolve(byRef, "", gatewayApi).metrics.enabled, false);
});

Deno.test("resolve: metric overrides add, remove and disable", () => {
  const yaml = telemetry(
    "metrics",
    "istio-system",
    `metrics:
- providers: [{name: prometheus}]
  overrides:
  - match: {metric: ALL_METRICS, mode: CLIENT}
    tagOverrides:
      request_host: {value: "request.host"}
      destination_canonical_revision: {operation: REMOVE}
  - match: {metric: REQUEST_DURATION}
    disabled: true
  - match: {metric: REQUEST_COUNT, mode: SERVER}
    tagOverrides: {server_only: {value: "'x'"}}`,
  );
  const s = resolve(yaml);
  assert.equal(s.metrics.enabled, true);
  const byMetric = new Map(s.metrics.overrides.map((o) => [o.metric, o]));
  assert.deepEqual(byMetric.get("REQUEST_COUNT"), {
    metric: "REQUEST_COUNT",
    disabled: false,
    tags: [
      { name: "destination_canonical_revision", remove: true, value: "" },
      { name: "request_host", remove: false, value: "request.host" },
    ],
  });
  assert.equal(byMetric.get("REQUEST_DURATION")?.disabled, true);
  assert.equal(byMetric.get("RESPONSE_SIZE")?.tags.length, 2);
});

Deno.test("resolve: later levels replace tag overrides; ALL_METRICS disabled then re-enabled", () => {
  const root = telemetry(
    "root",
    "istio-system",
    `metrics:
- overrides:
  - tagOverrides: {request_host: {value: "request.host"}}
  - disabled: true`,
  );
  assert.deepEqual(resolve(root).metrics, { enabled: false, overrides: [] });
  const workload = telemetry(
    "gateway",
    "istio-system",
    `selector: {matchLabels: {istio: ingressgateway}}
metrics:
- overrides:
  - match: {metric: REQUEST_COUNT}
    tagOverrides: {request_host: {operation: REMOVE}}`,
  );
  const s = resolve(root + workload);
  assert.equal(s.metrics.enabled, true);
  const count = s.metrics.overrides.find((o) => o.metric === "REQUEST_COUNT")!;
  assert.deepEqual(count.tags, [{ name: "request_host", remove: true, value: "" }]);
  const size = s.metrics.overrides.find((o) => o.metric === "REQUEST_SIZE")!;
  assert.deepEqual(size.tags, [{ name: "request_host", remove: false, value: "request.host" }]);
});

Deno.test("resolve: metrics need a prometheus provider in scope", () => {
  const yaml = telemetry("sd", "istio-system", "metrics:\n- providers: [{name: stackdriver}]");
  const s = resolve(yaml);
  assert.equal(s.metrics.enabled, false);
  assert.match(s.warnings[0], /"stackdriver" \(stackdriver\) is not supported/);
  // An explicit default provider list in MeshConfig replaces the installation default.
  assert.equal(resolve("", "defaultProviders: {metrics: [prometheus]}").metrics.enabled, true);
  const bare = resolveTelemetry(loadYaml("").config, mesh(), GATEWAY, { defaultMetricsProviders: [] });
  assert.equal(bare.metrics.enabled, false);
});

Deno.test("resolve: an unsupported log provider still replaces MeshConfig's accessLogFile", () => {
  const meshText = `accessLogFile: /var/log/mesh.log
extensionProviders:
- name: otel
  envoyOtelAls: {service: otel.istio-system.svc.cluster.local, port: 4317}
`;
  const s = resolve(
    telemetry("otel", "istio-system", "accessLogging:\n- providers: [{name: otel}]"),
    meshText,
  );
  assert.deepEqual(s.accessLogs, []);
  assert.deepEqual(s.warnings, ['access log provider "otel" (envoyOtelAls) is not supported; it is ignored']);
});
