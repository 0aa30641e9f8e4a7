import assert from "node:assert/strict";
import {
  FilterHost,
  type FilterHostOptions,
  FilterLoadError,
  type TestStream,
} from "../../filters/testing/mod.ts";
import { renderPrometheus } from "../../wasm/mod.ts";

const STATS = new URL("../../filters/stats/", import.meta.url);
const CLUSTER = "outbound|80||app.default.svc.cluster.local";
const NODE = {
  metadata: { WORKLOAD_NAME: "istio-ingressgateway", NAMESPACE: "istio-system", CLUSTER_ID: "east" },
};

function load(config: Record<string, unknown>, options: FilterHostOptions = {}): Promise<FilterHost> {
  return FilterHost.load(STATS, { name: "istio-system.gw-stats", config, node: NODE, ...options });
}

/** One exported sample: its labels and value. */
interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of `name` (e.g. `gw_stats_requests_total`, `..._bucket`) in the host's Prometheus text. */
function samples(host: FilterHost, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of renderPrometheus(host.metrics).split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2];
    }
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** A request through `host`: headers, optional bodies, a response, `ms` on the clock, then on_log. */
function request(
  host: FilterHost,
  options: {
    headers?: Record<string, string>;
    body?: string[];
    status?: number;
    responseHeaders?: Record<string, string>;
    responseBody?: string[];
    ms?: number;
    cluster?: string;
    edit?: (s: TestStream) => void;
  } = {},
): void {
  const s = host.stream({ routeName: "api", clusterName: options.cluster ?? CLUSTER });
  const body = options.body ?? [];
  s.sendRequestHeaders({ ":path": "/api/items", ...options.headers }, { endOfStream: body.length === 0 });
  body.forEach((chunk, i) => s.sendRequestBody(chunk, i === body.length - 1));
  const responseBody = options.responseBody ?? [];
  s.sendResponseHeaders(options.status ?? 200, options.responseHeaders ?? {}, {
    endOfStream: responseBody.length === 0,
  });
  responseBody.forEach((chunk, i) => s.sendResponseBody(chunk, i === responseBody.length - 1));
  host.clock.advance(options.ms ?? 0);
  options.edit?.(s);
  s.complete();
}

Deno.test("stats: Istio's four metrics with the standard tags a gateway reports, from properties and node metadata", async () => {
  await using host = await load({});
  request(host, { body: ["12345", "678"], responseBody: ["hello ", "world"], ms: 30 });
  request(host, { ms: 700 });
  const [count] = samples(host, "gw_stats_requests_total");
  assert.deepEqual(count, {
    labels: {
      reporter: "source",
      source_workload: "istio-ingressgateway",
      source_workload_namespace: "istio-system",
      source_principal: "unknown",
      source_app: "unknown",
      source_version: "unknown",
      source_canonical_service: "istio-ingressgateway",
      source_canonical_revision: "latest",
      source_cluster: "east",
      destination_workload: "unknown",
      destination_workload_namespace: "unknown",
      destination_principal: "unknown",
      destination_app: "unknown",
      destination_version: "unknown",
      destination_service: "app.default.svc.cluster.local",
      destination_service_name: "app",
      destination_service_namespace: "default",
      destination_canonical_service: "unknown",
      destination_canonical_revision: "latest",
      destination_cluster: "unknown",
      request_protocol: "http",
      response_code: "200",
      grpc_response_status: "",
      response_flags: "-",
      connection_security_policy: "unknown",
    },
    value: 2,
  });
  const bucket = (name: string, le: string) =>
    samples(host, `gw_stats_${name}_bucket`).find((s) => s.labels.le === le)?.value;
  assert.equal(bucket("request_duration_milliseconds", "25"), 0);
  assert.equal(bucket("request_duration_milliseconds", "50"), 1, "30 ms: Envoy's default buckets");
  assert.equal(bucket("request_duration_milliseconds", "1000"), 2);
  assert.deepEqual(samples(host, "gw_stats_request_duration_milliseconds_sum").map((s) => s.value), [730]);
  assert.deepEqual(
    samples(host, "gw_stats_request_bytes_sum").map((s) => s.value),
    [8],
    "body bytes, all chunks",
  );
  assert.deepEqual(samples(host, "gw_stats_response_bytes_sum").map((s) => s.value), [11]);
  assert.equal(bucket("response_bytes", "10"), 1, "the bodiless request counts 0 bytes");
});

Deno.test("stats: dimensions from properties, headers and literals; overrides, tags_to_remove and drop per metric", async () => {
  await using host = await load({
    stat_prefix: "edge",
    metrics: [
      {
        dimensions: {
          route: "route_name",
          tenant: "request.headers['X-Tenant']",
          env: "'prod'",
          destination_service: "request.host",
        },
        tags_to_remove: ["source_principal", "destination_principal", "connection_security_policy"],
      },
      {
        name: "REQUEST_COUNT",
        dimensions: { content_type: 'response.headers["content-type"]', port: "source.port" },
      },
      { name: "request_bytes", drop: true },
      { name: "response_bytes", tags_to_remove: ["tenant"] },
    ],
  });
  request(host, {
    headers: { "x-tenant": "acme", ":authority": "shop.example.com" },
    responseHeaders: { "content-type": "text/plain" },
  });
  request(host, { responseHeaders: { "content-type": "text/plain" } });
  const counts = samples(host, "edge_requests_total");
  assert.equal(counts.length, 2);
  const acme = counts.find((s) => s.labels.tenant === "acme")!;
  assert.equal(acme.value, 1);
  assert.equal(acme.labels.route, "api");
  assert.equal(acme.labels.env, "prod");
  assert.equal(acme.labels.destination_service, "shop.example.com", "a dimension overrides a standard tag");
  assert.equal(acme.labels.content_type, "text/plain");
  assert.equal(acme.labels.port, "50000", "integer properties in decimal");
  assert.equal(acme.labels.source_principal, undefined);
  assert.equal(acme.labels.connection_security_policy, undefined);
  assert.deepEqual(
    Object.keys(acme.labels).slice(-5),
    ["route", "tenant", "env", "content_type", "port"],
    "dimensions after the standard tags, in the order configured",
  );
  assert.equal(counts.find((s) => s.labels.tenant === "unknown")?.value, 1, "a missing header is unknown");
  assert.equal(samples(host, "edge_request_bytes_count").length, 0, "dropped");
  assert.equal(samples(host, "edge_request_duration_milliseconds_count").length, 2);
  assert.deepEqual(
    samples(host, "edge_response_bytes_count").map((
      s,
    ) => [s.labels.tenant, s.labels.destination_service, s.value]),
    [[undefined, "shop.example.com", 1], [undefined, "example.com", 1]],
  );
});

Deno.test("stats: response flags, gRPC status and protocol, and clusters without a service", async () => {
  await using host = await load({ metrics: [{ name: "requests_total" }] });
  request(host, {
    status: 503,
    edit: (s) => s.info.response!.flags = (1 << 5) | (1 << 15),
    cluster: "PassthroughCluster",
  });
  request(host, { headers: { "content-type": "application/grpc" }, responseHeaders: { "grpc-status": "5" } });
  request(host, { headers: { "content-type": "application/grpc+proto" }, status: 503 });
  request(host, { headers: { "content-type": "application/grpc-web" }, status: 404, cluster: "" });
  const counts = samples(host, "gw_stats_requests_total").map((s) => s.labels);
  const pick = (l: Record<string, string>) => [
    l.response_code,
    l.response_flags,
    l.request_protocol,
    l.grpc_response_status,
    l.destination_service,
    l.destination_service_name,
  ];
  assert.deepEqual(counts.map(pick), [
    ["503", "UF,URX", "http", "", "unknown", "PassthroughCluster"],
    ["200", "-", "grpc", "5", "app.default.svc.cluster.local", "app"],
    ["503", "-", "grpc", "14", "app.default.svc.cluster.local", "app"],
    ["404", "-", "http", "", "unknown", "unknown"],
  ]);
});

Deno.test("stats: at most max_series label sets per metric, then one series labelled other", async () => {
  await using host = await load({
    max_series: 2,
    metrics: [{ dimensions: { tenant: "request.headers['x-tenant']" } }],
  });
  for (const tenant of ["a", "b", "c", "a", "d", "e"]) request(host, { headers: { "x-tenant": tenant } });
  const counts = samples(host, "gw_stats_requests_total");
  assert.deepEqual(counts.map((s) => [s.labels.tenant, s.value]), [["a", 2], ["b", 1], ["other", 3]]);
  const other = counts[2].labels;
  assert.ok(Object.values(other).every((v) => v === "other"), "every label of the overflow series");
  assert.equal(samples(host, "gw_stats_request_duration_milliseconds_count").length, 3);
});

Deno.test("stats: a second VM of the plugin counts into the same series", async () => {
  const config = { metrics: [{ dimensions: { route: "route_name" } }] };
  await using first = await load(config);
  await using second = await load(config, { shareWith: first });
  request(first);
  request(second);
  request(second, { status: 404 });
  const counts = samples(first, "gw_stats_requests_total");
  assert.deepEqual(counts.map((s) => [s.labels.route, s.labels.response_code, s.value]), [
    ["api", "200", 2],
    ["api", "404", 1],
  ]);
});

Deno.test("stats: a configuration it cannot use is refused with the reason", async () => {
  const refused = async (config: Record<string, unknown>, reason: RegExp) => {
    const err = await load(config).then(
      async (h) => {
        await h.dispose();
        return undefined;
      },
      (e) => e,
    );
    assert.ok(err instanceof FilterLoadError, `accepted: ${JSON.stringify(config)}`);
    assert.match(err.message, reason);
  };
  await refused({ metrics: [{ name: "requests" }] }, /metrics\[0\]\.name "requests" is not one of/);
  await refused(
    { metrics: [{ dimensions: { "bad-label": "route_name" } }] },
    /"bad-label" is not a label name/,
  );
  await refused({ metrics: [{ dimensions: { le: "route_name" } }] }, /"le" is not a label name/);
  await refused(
    { metrics: [{ dimensions: { x: "has(request.headers.x) ? 'a' : 'b'" } }] },
    /dimensions\.x: .*CEL operators are not supported/,
  );
  await refused(
    { metrics: [{ dimensions: { x: "request.headers[x]" } }] },
    /write request\.headers\['name'\]/,
  );
  await refused({ metrics: [{ dimensions: ["route_name"] }] }, /dimensions must be a map/);
  await refused({ max_series: 0 }, /max_series must be a positive integer/);
});
