import assert from "node:assert/strict";
import { applicableTelemetry } from "../../gateway/telemetry/resolve/applicable.ts";
import type { GatewayIdentity } from "../../gateway/compile/listeners.ts";
import { errorsOf, loadYaml } from "../helpers/config.ts";

function telemetry(name: string, namespace: string, created: string, spec = ""): string {
  return `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: ${name}, namespace: ${namespace}, creationTimestamp: "${created}"}
spec:
  tracing: [{randomSamplingPercentage: 1}]
${spec}
---
`;
}

function sources(yaml: string, identity: GatewayIdentity): readonly string[] {
  const loaded = loadYaml(yaml);
  assert.deepEqual(errorsOf(loaded), []);
  return applicableTelemetry(loaded.config, identity, "istio-system").sources;
}

const YAML = telemetry("root-new", "istio-system", "2026-01-02T00:00:00Z") +
  telemetry("root-old", "istio-system", "2026-01-01T00:00:00Z") +
  telemetry(
    "root-sel",
    "istio-system",
    "2026-01-01T00:00:00Z",
    "  selector: {matchLabels: {istio: ingressgateway}}",
  ) +
  telemetry(
    "edge-sel",
    "edge",
    "2026-01-01T00:00:00Z",
    "  selector: {matchLabels: {istio: ingressgateway}}",
  ) +
  telemetry("edge-wide", "edge", "2026-01-03T00:00:00Z") +
  telemetry(
    "edge-ref",
    "edge",
    "2026-01-04T00:00:00Z",
    "  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]",
  ) +
  telemetry(
    "other-sel",
    "other",
    "2026-01-01T00:00:00Z",
    "  selector: {matchLabels: {istio: ingressgateway}}",
  );

Deno.test("applicable Telemetry: oldest mesh-wide, namespace-wide, then the gateway namespace's selected ones", () => {
  assert.deepEqual(sources(YAML, { labels: { istio: "ingressgateway" }, namespace: "edge" }), [
    "istio-system/root-old",
    "edge/edge-wide",
    "edge/edge-sel",
  ]);
  const gatewayApi = {
    labels: { istio: "ingressgateway", "gateway.networking.k8s.io/gateway-name": "public" },
    namespace: "edge",
  };
  assert.deepEqual(sources(YAML, gatewayApi), [
    "istio-system/root-old",
    "edge/edge-wide",
    "edge/edge-sel",
    "edge/edge-ref",
  ]);
});

Deno.test("applicable Telemetry: root-namespace selectors apply only to gateways of the root namespace", () => {
  assert.deepEqual(sources(YAML, { labels: { istio: "ingressgateway" }, namespace: "istio-system" }), [
    "istio-system/root-old",
    "istio-system/root-sel",
  ]);
});
