import assert from "node:assert/strict";
import { telemetryKind } from "../../../gateway/config/kinds/telemetry/telemetry.ts";
import { celSyntaxError } from "../../../gateway/config/kinds/telemetry/telemetry_rules.ts";
import { loadYaml } from "../../helpers/config.ts";
import { errorLines } from "../../helpers/corpus.ts";
import {
  DRY_RUN,
  testCorpusFilesLoad,
  testCrdFixtures,
  testResource,
  testRuleCases,
  webhookFindings,
} from "../../helpers/kind_cases.ts";

const TM = testResource(telemetryKind, "tm", "foo");

Deno.test("Telemetry: CRD fixtures", (t) => testCrdFixtures(t, telemetryKind, "telemetry"));

Deno.test("Telemetry: dataset, samples and doc snippets load", (t) =>
  testCorpusFilesLoad(t, telemetryKind, [
    "istio-istio/samples/open-telemetry/loki/telemetry.yaml",
    "istio-istio/samples/open-telemetry/tracing/telemetry.yaml",
    "istio.io/access-log/access-log-1-telemetry-mesh-default.yaml",
    "istio.io/logs-telemetry-api/telemetry-api-1-mesh-logging-default.yaml",
    "istio.io/logs-telemetry-api/telemetry-api-2-disable-sleep-logging.yaml",
    "istio.io/logs-telemetry-api/telemetry-api-3-disable-httpbin-server-logging.yaml",
    "istio.io/logs-telemetry-api/telemetry-api-4-filter-sleep-logging.yaml",
    "istio.io/logs-telemetry-api/telemetry-api-5-default-exception-logging.yaml",
    "istio.io/tracing-sampling/sampling-1-telemetry-random-sampling-10.yaml",
  ]));

Deno.test("Telemetry: access logging, metrics and tracing load typed", () => {
  const r = loadYaml(`apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata: {name: tm, namespace: istio-system}
spec:
  accessLogging:
  - providers: [{name: envoy}]
    filter: {expression: "response.code >= 400 || xds.cluster_name == 'BlackHoleCluster'"}
  metrics:
  - providers: [{name: prometheus}]
    overrides:
    - match: {metric: REQUEST_COUNT, mode: CLIENT}
      tagOverrides: {request_host: {operation: REMOVE}}
  tracing:
  - randomSamplingPercentage: 12.5
    disableSpanReporting: null
    customTags: {team: {literal: {value: edge}}}
`);
  assert.deepEqual(errorLines(r.diagnostics), []);
  const spec = r.config.telemetries[0].spec;
  assert.equal(spec.accessLogging?.[0].providers?.[0].name, "envoy");
  assert.equal(spec.metrics?.[0].overrides?.[0].match?.metric, "REQUEST_COUNT");
  assert.equal(spec.tracing?.[0].randomSamplingPercentage, 12.5);
  assert.equal(spec.tracing?.[0].customTags?.team.literal?.value, "edge");
});

Deno.test("Telemetry: CRD rules", (t) =>
  testRuleCases(t, TM, [
    [
      "selector: {matchLabels: {a: b}}\ntargetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g}",
      "spec",
      "only one of targetRefs or selector can be set",
    ],
    [
      "metrics: [{overrides: [{match: {metric: REQUEST_COUNT, customMetric: foo}}]}]",
      "spec.metrics[0].overrides[0].match",
      "must validate one and only one schema (oneOf)",
    ],
    [
      "tracing: [{customTags: {a: {literal: {value: x}, header: {name: y}}}}]",
      "spec.tracing[0].customTags.a",
      "must validate one and only one schema (oneOf)",
    ],
    [
      "tracing: [{randomSamplingPercentage: 101}]",
      "spec.tracing[0].randomSamplingPercentage",
      "should be less than or equal to 100",
    ],
    [
      "metrics: [{reportingInterval: 0s}]",
      "spec.metrics[0].reportingInterval",
      "must be a valid duration greater than 1ms",
    ],
    ["accessLogging: [{providers: [{}]}]", "spec.accessLogging[0].providers[0].name", "Required value"],
    [
      "metrics: [{overrides: [{tagOverrides: {a: {operation: REMOVE, value: ''}}}]}]",
      "spec.metrics[0].overrides[0].tagOverrides.a",
      "value must not be set when operation is REMOVE",
    ],
  ]));

Deno.test("Telemetry: webhook rules", async (t) => {
  await testRuleCases(t, TM, [
    [
      "metrics: [{overrides: [{tagOverrides: {a: {}}}]}]",
      "spec.metrics[0].overrides[0].tagOverrides.a",
      "tagOverrides.value must be set when operation is UPSERT",
    ],
    [
      "metrics: [{overrides: [{tagOverrides: {'': {value: x}}}]}]",
      "spec.metrics[0].overrides[0].tagOverrides",
      "tagOverrides.name may not be empty",
      "warning",
    ],
    ["tracing: [{}, {}]", "spec.tracing", "multiple tracing is not currently supported", "warning"],
    [
      "tracing: [{providers: [{name: a}, {name: b}]}]",
      "spec.tracing[0].providers",
      "multiple providers is not currently supported",
      "warning",
    ],
    [
      "tracing: [{customTags: {'': {literal: {value: x}}}}]",
      "spec.tracing[0].customTags",
      "tag name may not be empty",
    ],
    [
      "accessLogging: [{filter: {expression: 'response.code >= (400'}}]",
      "spec.accessLogging[0].filter.expression",
      "must be a valid CEL expression, ERROR: <input>:1:22: Syntax error: missing ')' at '<EOF>'",
    ],
    [
      "accessLogging: [{filter: {}}]",
      "spec.accessLogging[0].filter.expression",
      "must be a valid CEL expression, ERROR: <input>:1:1: Syntax error: mismatched input '<EOF>'",
    ],
    [
      "targetRefs: [{kind: Gateway, name: g}]",
      "spec.targetRefs[0]",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
      "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Gateway",
    ],
    [
      "tracing: [{}]",
      "spec",
      "foo/tm has unsupported annotation istio.io/dry-run, please remove the annotation",
      "error",
      DRY_RUN,
    ],
  ]);
  await t.step("rules the CRD schema shadows", () => {
    assert.deepEqual(
      webhookFindings(telemetryKind, TM, {
        metrics: [{
          providers: [{ name: "" }],
          overrides: [{
            match: { customMetric: "" },
            tagOverrides: { a: { operation: "REMOVE", value: "x" } },
          }],
        }],
        tracing: [{
          randomSamplingPercentage: 150,
          customTags: {
            l: { literal: { value: "" } },
            h: { header: { name: "" } },
            e: { environment: { name: "" } },
          },
        }],
      }),
      [
        "spec.metrics[0].providers[0].name: providers.name may not be empty",
        "spec.metrics[0].overrides[0].tagOverrides.a: tagOverrides.value may only be set when operation is UPSERT",
        "spec.metrics[0].overrides[0].match.customMetric: customMetric may not be empty",
        "spec.tracing[0].randomSamplingPercentage: randomSamplingPercentage must be in range [0.0, 100.0]",
        "spec.tracing[0].customTags.l: literal tag value may not be empty",
        "spec.tracing[0].customTags.h: header tag name may not be empty",
        "spec.tracing[0].customTags.e: environment tag name may not be empty",
      ],
    );
  });
  await t.step("CEL syntax check accepts strings with brackets and rejects unterminated ones", () => {
    assert.equal(celSyntaxError(`request.headers['x-(id'] == "a)" && size(r"\\d") > 0`), undefined);
    assert.match(celSyntaxError(`request.path == '/a`) ?? "", /token recognition error/);
    assert.match(celSyntaxError(`a[1))`) ?? "", /extraneous input '\)'/);
  });
});
