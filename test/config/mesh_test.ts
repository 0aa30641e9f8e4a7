import assert from "node:assert/strict";
import { formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import {
  DEFAULT_MESH_CONFIG,
  DEFAULT_RETRY_ON,
  type ExtensionProvider,
  loadMeshConfigFile,
  parseMeshConfig,
} from "../../gateway/config/mesh/mod.ts";

const ISTIO_IO = new URL("../../../shared/istio/istio.io/", import.meta.url);
const ANALYZER_TESTDATA = new URL(
  "../../../shared/istio/istio-istio/pkg/config/analysis/analyzers/testdata/",
  import.meta.url,
);

function parse(text: string) {
  return parseMeshConfig("mesh.yaml", text);
}

function bySeverity(r: ReturnType<typeof parse>, severity: "error" | "warning" | "note"): string[] {
  return r.diagnostics.filter((d) => d.severity === severity).map(formatDiagnostic);
}

function provider(r: ReturnType<typeof parse>, name: string): ExtensionProvider | undefined {
  return r.mesh.extensionProviders.find((p) => p.name === name);
}

Deno.test("mesh: an empty file gives Istio's defaults", () => {
  for (const text of ["", "# nothing\n", "---\n", "{}\n"]) {
    const r = parse(text);
    assert.deepEqual(r.diagnostics, [], text);
    assert.deepEqual(r.mesh, DEFAULT_MESH_CONFIG);
  }
  const d = DEFAULT_MESH_CONFIG;
  assert.equal(d.outboundTrafficPolicy.mode, "ALLOW_ANY");
  assert.equal(d.pathNormalization.normalization, "BASE");
  assert.deepEqual(d.defaultHttpRetryPolicy, { attempts: 2, retryOn: DEFAULT_RETRY_ON });
  assert.equal(
    DEFAULT_RETRY_ON,
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
  );
  assert.equal(d.accessLogFile, "");
  assert.equal(d.accessLogFormat, "");
  assert.equal(d.accessLogEncoding, "TEXT");
  assert.equal(d.trustDomain, "cluster.local");
  assert.equal(d.rootNamespace, "istio-system");
  assert.equal(d.connectTimeout, "10s");
  assert.equal(d.enableTracing, true);
  assert.equal(d.defaultConfig.gatewayTopology.numTrustedProxies, 0);
  assert.equal(d.defaultConfig.gatewayTopology.forwardClientCertDetails, "SANITIZE_SET");
  assert.equal(d.defaultConfig.tracing.sampling, 1);
  assert.deepEqual(d.extensionProviders.map((p) => p.name), ["prometheus", "stackdriver", "envoy"]);
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.defaultConfig.gatewayTopology));
});

Deno.test("mesh: istio.io egress-control REGISTRY_ONLY snippet (IstioOperator spec fragment)", async () => {
  const r = await loadMeshConfigFile(
    new URL("egress-control/egress-control-0-meshconfig-registry-only.yaml", ISTIO_IO).pathname,
  );
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.equal(r.mesh.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
  assert.equal(r.mesh.pathNormalization.normalization, "BASE");
});

Deno.test("mesh: istio.io authz-ingress numTrustedProxies snippet (IstioOperator)", async () => {
  const r = await loadMeshConfigFile(
    new URL("authz-ingress/authz-ingress-0-meshconfig-numtrustedproxies.yaml", ISTIO_IO).pathname,
  );
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.deepEqual(bySeverity(r, "warning"), []);
  assert.equal(r.mesh.defaultConfig.gatewayTopology.numTrustedProxies, 1);
  assert.equal(r.mesh.accessLogFile, "/dev/stdout");
  assert.equal(r.mesh.accessLogEncoding, "JSON");
});

Deno.test("mesh: istio.io tracing-sampling OpenTelemetry provider snippet (snake_case resource_detectors)", async () => {
  const r = await loadMeshConfigFile(
    new URL("tracing-sampling/sampling-2-meshconfig-otel-provider.yaml", ISTIO_IO).pathname,
  );
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.deepEqual(bySeverity(r, "warning"), []);
  assert.equal(r.mesh.enableTracing, true);
  assert.equal(r.mesh.defaultConfig.tracing.sampling, 10);
  const otel = provider(r, "otel-tracing");
  assert.ok(otel?.type === "opentelemetry");
  assert.equal(otel.opentelemetry.port, 4317);
  assert.equal(otel.opentelemetry.service, "opentelemetry-collector.observability.svc.cluster.local");
  assert.deepEqual(otel.opentelemetry.resourceDetectors, { environment: {} });
  // The built-in providers stay available.
  assert.ok(provider(r, "envoy"));
});

Deno.test("mesh: analyzer mesh-config testdata loads (plain MeshConfig maps)", async () => {
  const se = await loadMeshConfigFile(
    new URL("serviceentry-address-allocated-mesh-cfg.yaml", ANALYZER_TESTDATA).pathname,
  );
  assert.deepEqual(bySeverity(se, "error"), []);
  assert.deepEqual(se.mesh.defaultConfig.other, { proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" } });
  assert.ok(
    bySeverity(se, "note").some((n) =>
      n.includes("field defaultConfig.proxyMetadata is not used by Portcullis")
    ),
  );
  const ls = await loadMeshConfigFile(
    new URL("telemetry-lightstep-meshconfig.yaml", ANALYZER_TESTDATA).pathname,
  );
  assert.deepEqual(bySeverity(ls, "error"), []);
  const lightstep = provider(ls, "lightstep");
  assert.ok(lightstep?.type === "lightstep");
  assert.equal(lightstep.config.accessToken, "fake-token");
});

Deno.test("mesh: a ConfigMap with data.mesh, errors located in the outer file", () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    accessLogFile: /dev/stdout
    outboundTrafficPolicy:
      mode: BLOCK_ALL
    defaultConfig:
      gatewayTopology:
        numTrustedProxies: 2
  meshNetworks: 'networks: {}'
`;
  const r = parse(text);
  assert.deepEqual(bySeverity(r, "error"), [
    'mesh.yaml:10:13: error: MeshConfig: outboundTrafficPolicy.mode: Unsupported value: "BLOCK_ALL": supported values: "REGISTRY_ONLY", "ALLOW_ANY", "ALLOW_ANY_DYNAMIC_DNS"',
  ]);
  assert.equal(r.mesh.accessLogFile, "/dev/stdout");
  assert.equal(r.mesh.defaultConfig.gatewayTopology.numTrustedProxies, 2);
  assert.equal(r.mesh.outboundTrafficPolicy.mode, "ALLOW_ANY", "a field in error keeps its default");
  assert.ok(bySeverity(r, "note").some((n) => n.startsWith("mesh.yaml:14:3:") && n.includes("meshNetworks")));

  const ok = parse(text.replace("BLOCK_ALL", "REGISTRY_ONLY"));
  assert.deepEqual(bySeverity(ok, "error"), []);
  assert.equal(ok.mesh.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
});

Deno.test("mesh: ConfigMap problems", () => {
  assert.match(
    bySeverity(parse("apiVersion: v1\nkind: ConfigMap\ndata: {}\n"), "error")[0],
    /ConfigMap has no data\.mesh/,
  );
  assert.match(
    bySeverity(parse("apiVersion: v1\nkind: ConfigMap\ndata:\n  mesh:\n    a: 1\n"), "error")[0],
    /data\.mesh must be a string/,
  );
  const badYaml = bySeverity(parse("kind: ConfigMap\ndata:\n  mesh: |\n    a: [1\n    b: 2\n"), "error");
  assert.ok(
    badYaml.length > 0 && badYaml.every((e) => /^mesh\.yaml:\d+:\d+: error: /.test(e)),
    badYaml.join("\n"),
  );
  const quoted = parse('kind: ConfigMap\ndata:\n  mesh: "trustDomain: \\"\\""\n');
  assert.deepEqual(bySeverity(quoted, "error"), [
    "mesh.yaml:3:9: error: MeshConfig: trustDomain: trustDomain: empty domain name not allowed",
  ]);
});

Deno.test("mesh: Helm values with meshConfig", () => {
  const r = parse("pilot:\n  autoscaleEnabled: false\nmeshConfig:\n  rootNamespace: mesh-root\n");
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.equal(r.mesh.rootNamespace, "mesh-root");
  assert.ok(bySeverity(r, "note").some((n) => n.includes("Helm value pilot")));
});

Deno.test("mesh: protobuf JSON decoding (snake_case, enum numbers, null)", () => {
  const r = parse(`access_log_file: /dev/stdout
access_log_encoding: 1
outbound_traffic_policy: {mode: 0}
path_normalization: {normalization: 4}
enable_tracing: null
default_config:
  gateway_topology: {num_trusted_proxies: 3, forward_client_cert_details: 3, proxy_protocol: {}}
`);
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.deepEqual(bySeverity(r, "warning"), []);
  assert.equal(r.mesh.accessLogFile, "/dev/stdout");
  assert.equal(r.mesh.accessLogEncoding, "JSON");
  assert.equal(r.mesh.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
  assert.equal(r.mesh.pathNormalization.normalization, "DECODE_AND_MERGE_SLASHES");
  assert.equal(r.mesh.enableTracing, true);
  assert.deepEqual(r.mesh.defaultConfig.gatewayTopology, {
    numTrustedProxies: 3,
    forwardClientCertDetails: "APPEND_FORWARD",
    proxyProtocol: true,
  });
  assert.match(bySeverity(parse("accessLogFile: a\naccess_log_file: b\n"), "error")[0], /set twice/);
});

Deno.test("mesh: pathNormalization DEFAULT means BASE; other values kept", () => {
  assert.equal(
    parse("pathNormalization: {normalization: DEFAULT}").mesh.pathNormalization.normalization,
    "BASE",
  );
  assert.equal(parse("pathNormalization: {}").mesh.pathNormalization.normalization, "BASE");
  for (const v of ["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"]) {
    assert.equal(parse(`pathNormalization: {normalization: ${v}}`).mesh.pathNormalization.normalization, v);
  }
  assert.match(
    bySeverity(parse("pathNormalization: {normalization: FULL}"), "error")[0],
    /Unsupported value: "FULL"/,
  );
});

Deno.test("mesh: unused fields are notes, unknown fields warnings, both kept in other", () => {
  const r = parse(`enableAutoMtls: true
proxyListenPort: 15001
mixerCheckServer: foo:9091
bogusField: 1
outboundTrafficPolicy:
  mode: ALLOW_ANY
  egress: nope
defaultConfig:
  proxyMetadata: {A: b}
  discoveryAddress: istiod:15012
`);
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.deepEqual(bySeverity(r, "note"), [
    "mesh.yaml:1:1: note: MeshConfig: enableAutoMtls: field enableAutoMtls is not used by Portcullis",
    "mesh.yaml:2:1: note: MeshConfig: proxyListenPort: field proxyListenPort is not used by Portcullis",
    "mesh.yaml:9:3: note: MeshConfig: defaultConfig.proxyMetadata: field defaultConfig.proxyMetadata is not used by Portcullis",
    "mesh.yaml:10:3: note: MeshConfig: defaultConfig.discoveryAddress: field defaultConfig.discoveryAddress is not used by Portcullis",
  ]);
  assert.deepEqual(bySeverity(r, "warning"), [
    "mesh.yaml:3:1: warning: MeshConfig: mixerCheckServer: field mixerCheckServer was removed from Istio's API and is ignored",
    'mesh.yaml:4:1: warning: MeshConfig: bogusField: unknown field "bogusField" (Istio ignores unknown fields)',
    'mesh.yaml:7:3: warning: MeshConfig: outboundTrafficPolicy.egress: unknown field "egress" (Istio ignores unknown fields)',
  ]);
  assert.deepEqual(r.mesh.other, {
    enableAutoMtls: true,
    proxyListenPort: 15001,
    mixerCheckServer: "foo:9091",
    bogusField: 1,
  });
  assert.deepEqual(r.mesh.defaultConfig.other, {
    proxyMetadata: { A: "b" },
    discoveryAddress: "istiod:15012",
  });
});

Deno.test("mesh: type errors are errors with file, line and column", () => {
  const r = parse(`accessLogFile: [a]
enableTracing: "yes"
defaultConfig:
  gatewayTopology:
    numTrustedProxies: -1
trustDomainAliases: example.com
`);
  assert.deepEqual(bySeverity(r, "error"), [
    'mesh.yaml:1:16: error: MeshConfig: accessLogFile: must be of type string: "array"',
    'mesh.yaml:2:16: error: MeshConfig: enableTracing: must be of type boolean: "yes"',
    "mesh.yaml:5:24: error: MeshConfig: defaultConfig.gatewayTopology.numTrustedProxies: must be >= 0",
    'mesh.yaml:6:21: error: MeshConfig: trustDomainAliases: must be of type array: "example.com"',
  ]);
  assert.equal(r.mesh.accessLogFile, "");
  assert.equal(r.mesh.defaultConfig.gatewayTopology.numTrustedProxies, 0);
});

Deno.test("mesh: whole-file problems", () => {
  assert.match(
    bySeverity(parse("- a\n- b\n"), "error")[0],
    /^mesh\.yaml:1:1: error: a mesh config must be a map/,
  );
  assert.match(
    bySeverity(parse("a: 1\n---\nb: 2\n"), "error")[0],
    /^mesh\.yaml:3:1: error: .*one YAML document/,
  );
  assert.match(bySeverity(parse("a: [1\n"), "error")[0], /^mesh\.yaml:\d+:\d+: error: invalid YAML/);
  assert.match(
    bySeverity(parse("apiVersion: networking.istio.io/v1\nkind: Gateway\nspec: {}\n"), "error")[0],
    /expected MeshConfig fields, a ConfigMap .* found networking\.istio\.io\/v1 Gateway/,
  );
  const kinds = parse("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: demo\n");
  assert.deepEqual(bySeverity(kinds, "error"), []);
  assert.deepEqual(kinds.mesh, DEFAULT_MESH_CONFIG);
  assert.ok(bySeverity(kinds, "note").some((n) => n.includes("IstioOperator field spec.profile")));
});

Deno.test("mesh: loadMeshConfigFile reports an unreadable file", async () => {
  const r = await loadMeshConfigFile("/nonexistent/mesh.yaml");
  assert.equal(r.diagnostics.length, 1);
  assert.match(
    formatDiagnostic(r.diagnostics[0]),
    /^\/nonexistent\/mesh\.yaml:1:1: error: cannot read mesh config/,
  );
  assert.deepEqual(r.mesh, DEFAULT_MESH_CONFIG);
});

Deno.test("mesh: defaultHttpRetryPolicy", () => {
  const r = parse("defaultHttpRetryPolicy: {attempts: 3, perTryTimeout: 2s, retryRemoteLocalities: true}");
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.mesh.defaultHttpRetryPolicy, {
    attempts: 3,
    retryOn: DEFAULT_RETRY_ON,
    perTryTimeout: "2s",
    retryRemoteLocalities: true,
  });
  const off = parse("defaultHttpRetryPolicy: {attempts: 0}");
  assert.deepEqual(off.diagnostics, []);
  assert.equal(off.mesh.defaultHttpRetryPolicy.attempts, 0);
  const noAttempts = parse("defaultHttpRetryPolicy:\n  retryOn: 5xx,503\n");
  assert.equal(noAttempts.mesh.defaultHttpRetryPolicy.attempts, 0);
  assert.equal(noAttempts.mesh.defaultHttpRetryPolicy.retryOn, "5xx,503");
  assert.match(
    bySeverity(noAttempts, "warning")[0],
    /attempts is not set, so it is 0 and retries are disabled/,
  );
  assert.match(
    bySeverity(parse("defaultHttpRetryPolicy: {attempts: 2, perTryTimeout: soon}"), "error")[0],
    /defaultHttpRetryPolicy\.perTryTimeout: must be a valid duration/,
  );
});

Deno.test("mesh: timeouts and trust domain follow ValidateMeshConfig", () => {
  assert.deepEqual(parse("connectTimeout: 1.5s\nprotocolDetectionTimeout: 100ms\n").diagnostics, []);
  const cases: [string, RegExp][] = [
    ["connectTimeout: 0s", /invalid connect timeout: duration must be greater than 1ms/],
    ["connectTimeout: 1500us", /invalid connect timeout: only durations to ms precision are supported/],
    ["connectTimeout: 2h", /invalid connect timeout: time 2h must be >1ms and <1h0m0s/],
    ["connectTimeout: 10", /connectTimeout: must be of type string: 10/],
    ["protocolDetectionTimeout: 1500us", /invalid protocol detection timeout/],
    ["trustDomain: ''", /trustDomain: empty domain name not allowed/],
    ["trustDomain: Bad_Domain", /trust domain name "Bad_Domain" invalid/],
    ["trustDomainAliases: [ok.example, 'no way']", /trustDomainAliases\[1\], domain `no way`/],
  ];
  for (const [text, expected] of cases) {
    const errors = bySeverity(parse(text), "error");
    assert.equal(errors.length, 1, `${text}: ${errors.join("\n")}`);
    assert.match(errors[0], expected);
  }
  const aliases = parse("trustDomainAliases: [b.example, a.example, b.example]");
  assert.deepEqual(aliases.mesh.trustDomainAliases, ["a.example", "b.example"]);
});

Deno.test("mesh: tracing sampling", () => {
  assert.equal(parse("defaultConfig: {tracing: {sampling: 0}}").mesh.defaultConfig.tracing.sampling, 1);
  assert.equal(parse("defaultConfig: {tracing: {sampling: 0.5}}").mesh.defaultConfig.tracing.sampling, 0.5);
  const over = parse("defaultConfig: {tracing: {sampling: 150}}");
  assert.equal(over.mesh.defaultConfig.tracing.sampling, 1);
  assert.match(bySeverity(over, "warning")[0], /sampling 150 is above 100; Istio uses 1 instead/);
  assert.match(
    bySeverity(parse("defaultConfig: {tracing: {sampling: -1}}"), "error")[0],
    /between 0 and 100/,
  );
  const zipkinTracer = parse("defaultConfig: {tracing: {zipkin: {address: 'zipkin:9411'}, sampling: 5}}");
  assert.deepEqual(bySeverity(zipkinTracer, "warning"), []);
  assert.equal(zipkinTracer.mesh.defaultConfig.tracing.sampling, 5);
});

Deno.test("mesh: extension providers", () => {
  const r = parse(`extensionProviders:
- name: ext-authz-http
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: 8000
    timeout: 250ms
    pathPrefix: /check
    failOpen: false
    statusOnError: "503"
    includeRequestHeadersInCheck: [x-ext-authz]
    includeAdditionalHeadersInCheck: {x-added: yes}
    includeRequestBodyInCheck: {maxRequestBytes: 1024, allowPartialMessage: true}
    headersToUpstreamOnAllow: [x-user]
    headersToDownstreamOnDeny: [x-ext-authz-check-result]
    headersToDownstreamOnAllow: [x-allowed]
- name: ext-authz-grpc
  envoyExtAuthzGrpc: {service: foo/ext-authz.foo.svc.cluster.local, port: 9000}
- name: zipkin
  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411, maxTagLength: 56, path: /api/v2/spans}
- name: otel
  opentelemetry:
    service: otel.observability.svc.cluster.local
    port: 4318
    http: {path: /v1/traces, timeout: 5s, headers: [{name: x-api-key, envName: API_KEY}]}
- name: envoy
  envoyFileAccessLog: {path: /dev/stderr, logFormat: {labels: {code: "%RESPONSE_CODE%"}}}
- name: dd
  datadog: {service: datadog-agent.datadog.svc.cluster.local, port: 8126}
defaultProviders:
  accessLogging: [envoy]
  tracing: [otel]
  metrics: [prometheus]
`);
  assert.deepEqual(bySeverity(r, "error"), []);
  assert.deepEqual(bySeverity(r, "warning"), []);
  assert.deepEqual(r.mesh.extensionProviders.map((p) => `${p.name}:${p.type}`), [
    "prometheus:prometheus",
    "stackdriver:stackdriver",
    "envoy:envoyFileAccessLog",
    "ext-authz-http:envoyExtAuthzHttp",
    "ext-authz-grpc:envoyExtAuthzGrpc",
    "zipkin:zipkin",
    "otel:opentelemetry",
    "dd:datadog",
  ]);
  const http = provider(r, "ext-authz-http");
  assert.ok(http?.type === "envoyExtAuthzHttp");
  assert.deepEqual(http.envoyExtAuthzHttp, {
    service: "ext-authz.foo.svc.cluster.local",
    port: 8000,
    timeout: "250ms",
    pathPrefix: "/check",
    failOpen: false,
    statusOnError: "503",
    includeRequestHeadersInCheck: ["x-ext-authz"],
    includeAdditionalHeadersInCheck: { "x-added": "yes" },
    includeRequestBodyInCheck: { maxRequestBytes: 1024, allowPartialMessage: true },
    headersToUpstreamOnAllow: ["x-user"],
    headersToDownstreamOnDeny: ["x-ext-authz-check-result"],
    headersToDownstreamOnAllow: ["x-allowed"],
  });
  const envoy = provider(r, "envoy");
  assert.ok(envoy?.type === "envoyFileAccessLog");
  assert.deepEqual(envoy.envoyFileAccessLog, {
    path: "/dev/stderr",
    logFormat: { labels: { code: "%RESPONSE_CODE%" } },
  }, "a provider named like a built-in one replaces it");
  const otel = provider(r, "otel");
  assert.ok(otel?.type === "opentelemetry");
  assert.deepEqual(otel.opentelemetry.http?.headers, [{ name: "x-api-key", envName: "API_KEY" }]);
  const zipkin = provider(r, "zipkin");
  assert.ok(zipkin?.type === "zipkin" && zipkin.zipkin.maxTagLength === 56);
  assert.deepEqual(r.mesh.defaultProviders, {
    accessLogging: ["envoy"],
    tracing: ["otel"],
    metrics: ["prometheus"],
  });
});

Deno.test("mesh: extension provider problems", () => {
  const r = parse(`extensionProviders:
- name: a
  envoyExtAuthzHttp: {service: authz.example.com, port: 70000, pathPrefix: check, statusOnError: "abc"}
- name: a
  zipkin: {service: zipkin.example.com, port: 9411}
- envoyFileAccessLog: {path: /dev/stdout}
- name: none
- name: two
  zipkin: {service: z.example.com, port: 9411}
  datadog: {service: d.example.com, port: 8126}
- name: otel
  opentelemetry: {service: "bad service", port: 4317, http: {}, grpc: {}}
- name: typed
  envoyExtAuthzGrpc: {service: authz.example.com, port: "9x00"}
defaultProviders:
  tracing: [missing]
`);
  assert.deepEqual(bySeverity(r, "error"), [
    'mesh.yaml:14:57: error: MeshConfig: extensionProviders[6].envoyExtAuthzGrpc.port: must be of type number: "9x00"',
    "mesh.yaml:8:3: error: MeshConfig: extensionProviders[4]: an extension provider sets exactly one provider; found zipkin, datadog",
  ]);
  const warnings = bySeverity(r, "warning").map((w) =>
    w.replace(/^mesh\.yaml:\d+:\d+: warning: MeshConfig: /, "")
  );
  assert.deepEqual(warnings, [
    "extensionProviders[0].envoyExtAuthzHttp.port: invalid extension provider a: port number 70000 must be in the range 1..65535",
    "extensionProviders[0].envoyExtAuthzHttp.statusOnError: invalid extension provider a: invalid statusOnError value abc",
    'extensionProviders[0].envoyExtAuthzHttp.pathPrefix: invalid extension provider a: pathPrefix should begin with `/` but found "check"',
    "extensionProviders[1].name: duplicate extension provider name a: it replaces extensionProviders[0] (as Istio does)",
    "extensionProviders[2].name: empty extension provider name: the provider cannot be referenced",
    "extensionProviders[3]: invalid extension provider none: no provider type is set",
    "extensionProviders[5].opentelemetry.service: invalid extension provider otel: invalid service fmt bad service: bad service is not a valid IP",
    "extensionProviders[5].opentelemetry: invalid extension provider otel: OpenTelemetryTracingProvider cannot specify both grpc and http",
    'defaultProviders.tracing[0]: default tracing provider "missing" is not defined in extensionProviders',
  ]);
  const a = provider(r, "a");
  assert.ok(a?.type === "zipkin", "the later definition of a duplicate name wins");
  assert.equal(r.mesh.extensionProviders.filter((p) => p.name === "a").length, 1);
  assert.equal(provider(r, "none"), undefined);
  assert.equal(provider(r, "two"), undefined);
});

Deno.test("mesh: never throws on odd input", () => {
  const inputs = [
    "\u0000",
    "!!binary AAAA",
    "a: &a [*a]",
    "kind: ConfigMap\ndata:\n  mesh: |\n    - 1\n",
    "kind: ConfigMap\ndata:\n  mesh: |\n    a: 1\n    ---\n    b: 2\n",
    "spec:\n  meshConfig: 3\n",
    "extensionProviders: {name: x}",
    "extensionProviders: [1, null, [], {name: 1}]",
    "defaultConfig: 7",
    "defaultConfig: {gatewayTopology: [1]}",
    "__proto__: {polluted: true}",
    "constructor: 1\ntoString: 2\n",
    "outboundTrafficPolicy: {mode: 99}",
    "connectTimeout: 99999999999999999999999h",
    `accessLogFile: ${"x".repeat(100_000)}`,
  ];
  for (const text of inputs) {
    const r = parse(text);
    for (const d of r.diagnostics) {
      assert.ok(d.line >= 1 && d.col >= 1, `${JSON.stringify(text)}: ${formatDiagnostic(d)}`);
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("mesh: localityLbSetting is the default for DestinationRules, checked as istiod checks it", () => {
  assert.deepEqual(DEFAULT_MESH_CONFIG.localityLbSetting, { enabled: true });
  const ok = parse("localityLbSetting:\n  failover: [{from: us-east, to: eu-west}]\n");
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.mesh.localityLbSetting, { failover: [{ from: "us-east", to: "eu-west" }] });
  assert.deepEqual(parse("localityLbSetting: {enabled: false}\n").mesh.localityLbSetting, { enabled: false });
  const bad = parse("localityLbSetting:\n  distribute: [{from: a, to: {b: 90}}]\n");
  assert.deepEqual(bySeverity(bad, "error"), [
    "mesh.yaml:2:30: error: MeshConfig: localityLbSetting.distribute[0].to: total locality weight 90 != 100",
  ]);
});
