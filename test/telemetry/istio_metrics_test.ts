import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { IstioMetrics, type MetricsSettings, STANDARD_TAGS } from "../../gateway/telemetry/mod.ts";
import { gatewayWorkload } from "../../gateway/telemetry/workload.ts";
import { INGRESS, noRoute, productpage, reviewsConnectFailure } from "./_records.ts";

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text exposition of a registry into samples. */
async function scrape(registry: Registry): Promise<Sample[]> {
  const text = await registry.metrics();
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `bad line ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function find(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

function setup(settings?: MetricsSettings, maxSeries?: number) {
  const registry = new Registry();
  const metrics = new IstioMetrics(registry, { workload: INGRESS, settings, maxSeries });
  return { registry, metrics };
}

Deno.test("metrics: a bookinfo request through the ingress gateway", async () => {
  const { registry, metrics } = setup();
  metrics.record(productpage());
  metrics.record(productpage({ durationMs: 120, responseBytes: 300 }));
  const samples = await scrape(registry);
  const [count] = find(samples, "istio_requests_total");
  assert.deepEqual(Object.keys(count.labels), [...STANDARD_TAGS]);
  assert.deepEqual(count.labels, {
    reporter: "source",
    source_workload: "istio-ingressgateway",
    source_workload_namespace: "istio-system",
    source_principal: "unknown",
    source_app: "istio-ingressgateway",
    source_version: "",
    source_canonical_service: "istio-ingressgateway",
    source_canonical_revision: "latest",
    source_cluster: "Kubernetes",
    destination_workload: "productpage-v1",
    destination_workload_namespace: "bookinfo",
    destination_principal: "unknown",
    destination_app: "unknown",
    destination_version: "unknown",
    destination_service: "productpage.bookinfo.svc.cluster.local",
    destination_service_name: "productpage",
    destination_service_namespace: "bookinfo",
    destination_canonical_service: "productpage",
    destination_canonical_revision: "v1",
    destination_cluster: "Kubernetes",
    request_protocol: "http",
    response_code: "200",
    grpc_response_status: "",
    response_flags: "-",
    connection_security_policy: "unknown",
  });
  assert.equal(count.value, 2);
});

Deno.test("metrics: histograms use Envoy's default buckets", async () => {
  const { registry, metrics } = setup();
  metrics.record(productpage({ durationMs: 4.7, requestBytes: 0, responseBytes: 5293 }));
  metrics.record(productpage({ durationMs: 120.9, requestBytes: 10, responseBytes: 300 }));
  const samples = await scrape(registry);
  const buckets = find(samples, "istio_request_duration_milliseconds_bucket");
  assert.deepEqual(
    buckets.map((b) => b.labels.le),
    [
      "0.5",
      "1",
      "5",
      "10",
      "25",
      "50",
      "100",
      "250",
      "500",
      "1000",
      "2500",
      "5000",
      "10000",
      "30000",
      "60000",
      "300000",
      "600000",
      "1800000",
      "3600000",
      "+Inf",
    ],
  );
  const cumulative = Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]));
  assert.equal(cumulative["1"], 0);
  assert.equal(cumulative["5"], 1);
  assert.equal(cumulative["100"], 1);
  assert.equal(cumulative["250"], 2);
  assert.equal(cumulative["+Inf"], 2);
  // Envoy records whole milliseconds.
  assert.equal(find(samples, "istio_request_duration_milliseconds_sum")[0].value, 124);
  assert.equal(find(samples, "istio_request_duration_milliseconds_count")[0].value, 2);
  assert.equal(find(samples, "istio_request_bytes_bucket", { le: "0.5" })[0].value, 1);
  assert.equal(find(samples, "istio_request_bytes_sum")[0].value, 10);
  assert.equal(find(samples, "istio_response_bytes_bucket", { le: "250" })[0].value, 0);
  assert.equal(find(samples, "istio_response_bytes_bucket", { le: "500" })[0].value, 1);
  assert.equal(find(samples, "istio_response_bytes_sum")[0].value, 5593);
});

Deno.test("metrics: a 503 UF,URX keeps the routed destination", async () => {
  const { registry, metrics } = setup();
  metrics.record(reviewsConnectFailure());
  const [count] = find(await scrape(registry), "istio_requests_total");
  assert.equal(count.labels.response_code, "503");
  assert.equal(count.labels.response_flags, "UF,URX");
  assert.equal(count.labels.destination_service, "reviews.bookinfo.svc.cluster.local");
  assert.equal(count.labels.destination_service_name, "reviews");
  assert.equal(count.labels.destination_workload, "reviews-v2");
  assert.equal(count.labels.destination_canonical_revision, "v2");
});

Deno.test("metrics: 404 NR has an unknown destination", async () => {
  const { registry, metrics } = setup();
  metrics.record(noRoute());
  const [count] = find(await scrape(registry), "istio_requests_total");
  assert.equal(count.labels.response_code, "404");
  assert.equal(count.labels.response_flags, "NR");
  for (
    const tag of [
      "destination_workload",
      "destination_workload_namespace",
      "destination_service",
      "destination_service_name",
      "destination_service_namespace",
      "destination_canonical_service",
      "destination_cluster",
    ]
  ) assert.equal(count.labels[tag], "unknown", tag);
  assert.equal(count.labels.destination_canonical_revision, "latest");
});

Deno.test("metrics: destinations without endpoint metadata, passthrough clusters, reset before a response", async () => {
  const { registry, metrics } = setup();
  metrics.record(productpage({ destinationWorkload: undefined }));
  metrics.record(noRoute({ responseCode: 502, responseFlags: "-", upstreamCluster: "BlackHoleCluster" }));
  metrics.record(
    productpage({
      responseCode: 0,
      responseFlags: "DC",
      destinationService: { host: "ratings.bookinfo.svc.cluster.local", name: "", namespace: "bookinfo" },
    }),
  );
  const samples = find(await scrape(registry), "istio_requests_total");
  const noWorkload = samples.find((s) => s.labels.response_code === "200")!;
  assert.equal(noWorkload.labels.destination_service, "productpage.bookinfo.svc.cluster.local");
  assert.equal(noWorkload.labels.destination_workload, "unknown");
  assert.equal(noWorkload.labels.destination_service_namespace, "unknown");
  const blackHole = samples.find((s) => s.labels.response_code === "502")!;
  assert.equal(blackHole.labels.destination_service, "unknown");
  assert.equal(blackHole.labels.destination_service_name, "BlackHoleCluster");
  const reset = samples.find((s) => s.labels.response_code === "0")!;
  assert.equal(reset.labels.response_flags, "DC");
  assert.equal(reset.labels.destination_service_name, "ratings");
});

Deno.test("metrics: gRPC requests", async () => {
  const { registry, metrics } = setup();
  const headers = new Headers({ "content-type": "application/grpc+proto" });
  metrics.record(productpage({ requestHeaders: headers, grpcStatus: "14", responseCode: 200 }));
  metrics.record(productpage({ requestHeaders: headers, responseCode: 503 }));
  metrics.record(productpage({ requestHeaders: new Headers({ "content-type": "application/grpc-web" }) }));
  const samples = find(await scrape(registry), "istio_requests_total");
  assert.deepEqual(
    samples.map((s) => [s.labels.request_protocol, s.labels.response_code, s.labels.grpc_response_status]),
    [["grpc", "200", "14"], ["grpc", "503", "14"], ["http", "200", ""]],
  );
});

Deno.test("metrics: tag overrides add, change and remove labels; expression errors give unknown", async () => {
  const { registry, metrics } = setup({
    enabled: true,
    overrides: [{
      metric: "REQUEST_COUNT",
      disabled: false,
      tags: [
        { name: "destination_canonical_revision", remove: true, value: "" },
        { name: "destination_service", remove: false, value: "request.host" },
        { name: "request_method", remove: false, value: "request.method" },
        { name: "upstream_workload", remove: false, value: "upstream_peer.workload_name" },
      ],
    }],
  });
  metrics.record(productpage());
  const samples = await scrape(registry);
  const [count] = find(samples, "istio_requests_total");
  const keys = Object.keys(count.labels);
  assert.ok(!keys.includes("destination_canonical_revision"));
  // Overridden standard tags keep their place; added ones come last, sorted.
  assert.equal(keys.indexOf("destination_service"), STANDARD_TAGS.indexOf("destination_service"));
  assert.deepEqual(keys.slice(-2), ["request_method", "upstream_workload"]);
  assert.equal(count.labels.destination_service, "bookinfo.example.com");
  assert.equal(count.labels.request_method, "GET");
  assert.equal(count.labels.upstream_workload, "unknown");
  // The other metrics are untouched.
  const [duration] = find(samples, "istio_request_duration_milliseconds_count");
  assert.deepEqual(Object.keys(duration.labels), [...STANDARD_TAGS]);
});

Deno.test("metrics: expression values split series", async () => {
  const { registry, metrics } = setup({
    enabled: true,
    overrides: [{
      metric: "REQUEST_COUNT",
      disabled: false,
      tags: [{ name: "request_path", remove: false, value: "request.url_path" }],
    }],
  });
  metrics.record(productpage());
  metrics.record(productpage({ path: "/static/app.css" }));
  metrics.record(productpage({ path: "/productpage?u=test" }));
  const samples = find(await scrape(registry), "istio_requests_total");
  assert.deepEqual(samples.map((s) => [s.labels.request_path, s.value]), [["/productpage", 2], [
    "/static/app.css",
    1,
  ]]);
});

Deno.test("metrics: a standard tag whose expression does not compile is dropped", async () => {
  const { registry, metrics } = setup({
    enabled: true,
    overrides: [{
      metric: "REQUEST_COUNT",
      disabled: false,
      tags: [
        { name: "response_code", remove: false, value: "response.code +" },
        { name: "extra", remove: false, value: "nope(" },
      ],
    }],
  });
  metrics.record(productpage());
  const [count] = find(await scrape(registry), "istio_requests_total");
  assert.equal(count.labels.response_code, undefined);
  assert.equal(count.labels.extra, undefined);
  assert.equal(metrics.configure({ enabled: true, overrides: [] }).length, 0);
});

Deno.test("metrics: disabled metrics and disabled provider", async () => {
  const { registry, metrics } = setup({
    enabled: true,
    overrides: [
      { metric: "REQUEST_DURATION", disabled: true, tags: [] },
      { metric: "RESPONSE_SIZE", disabled: true, tags: [] },
    ],
  });
  metrics.record(productpage());
  let names = new Set((await scrape(registry)).map((s) => s.name));
  assert.ok(names.has("istio_requests_total"));
  assert.ok(names.has("istio_request_bytes_count"));
  assert.ok(!names.has("istio_request_duration_milliseconds_count"));
  assert.ok(!names.has("istio_response_bytes_count"));

  const off = setup({ enabled: false, overrides: [] });
  off.metrics.record(productpage());
  names = new Set((await scrape(off.registry)).map((s) => s.name));
  assert.equal(names.size, 0);
});

Deno.test("metrics: reconfiguring keeps existing series", async () => {
  const { registry, metrics } = setup();
  metrics.record(productpage());
  metrics.configure({
    enabled: true,
    overrides: [{
      metric: "REQUEST_COUNT",
      disabled: false,
      tags: [{ name: "x", remove: false, value: "'y'" }],
    }],
  });
  metrics.record(productpage());
  const samples = find(await scrape(registry), "istio_requests_total");
  assert.deepEqual(samples.map((s) => [s.labels.x, s.value]), [[undefined, 1], ["y", 1]]);
});

Deno.test("metrics: the number of series is bounded", async () => {
  const { registry, metrics } = setup({
    enabled: true,
    overrides: [{
      metric: "REQUEST_COUNT",
      disabled: false,
      tags: [{ name: "request_path", remove: false, value: "request.path" }],
    }],
  }, 3);
  for (let i = 0; i < 10; i++) metrics.record(productpage({ path: `/p/${i}` }));
  assert.equal(find(await scrape(registry), "istio_requests_total").length, 3);
  assert.equal(metrics.droppedSeries, 7);
});

Deno.test("metrics: the gateway workload from labels", () => {
  const w = gatewayWorkload({ labels: { istio: "ingressgateway" }, namespace: "istio-system" });
  assert.deepEqual(
    [w.name, w.app, w.version, w.canonicalService, w.canonicalRevision, w.cluster],
    ["istio-ingressgateway", "", "", "istio-ingressgateway", "latest", "Kubernetes"],
  );
  const named = gatewayWorkload(
    { labels: { "app.kubernetes.io/name": "edge", "app.kubernetes.io/version": "2.1" }, namespace: "edge" },
    { name: "edge-gateway", cluster: "east" },
  );
  assert.deepEqual(
    [named.name, named.canonicalService, named.canonicalRevision, named.cluster],
    ["edge-gateway", "edge", "2.1", "east"],
  );
});

Deno.test("metrics: the JSON export carries every label", async () => {
  const { registry, metrics } = setup();
  metrics.record(productpage());
  const families = await registry.getMetricsAsJSON();
  const requests = families.find((f) => f.name === "istio_requests_total")!;
  assert.equal(requests.type, "counter");
  assert.equal(requests.values[0].value, 1);
  assert.equal(requests.values[0].labels.destination_service_name, "productpage");
  const duration = families.find((f) => f.name === "istio_request_duration_milliseconds")!;
  const bucket = duration.values.find((v) => v.labels.le === 5)!;
  assert.equal(bucket.labels.reporter, "source");
  assert.equal(bucket.value, 1);
});
