import assert from "node:assert/strict";
import { type MeshConfig, parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

/** What a collector on loopback received. */
interface Collector {
  readonly port: number;
  /** Request bodies, parsed. */
  readonly bodies: unknown[];
  readonly paths: string[];
  readonly headers: Headers[];
  close(): Promise<void>;
}

/** A collector answering 200 (OTLP/HTTP or Zipkin, JSON bodies); `hang` holds every request unanswered. */
function startCollector(hang = false): Collector {
  const bodies: unknown[] = [];
  const paths: string[] = [];
  const headers: Headers[] = [];
  const abort = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen: () => {} },
    async (req) => {
      paths.push(new URL(req.url).pathname);
      headers.push(req.headers);
      if (hang) {
        await new Promise((resolve) => req.signal.addEventListener("abort", resolve, { once: true }));
        return new Response(null, { status: 499 });
      }
      bodies.push(await req.json());
      return new Response("{}", { headers: { "content-type": "application/json" } });
    },
  );
  return {
    port: server.addr.port,
    bodies,
    paths,
    headers,
    close: () => {
      abort.abort();
      return server.finished;
    },
  };
}

/** A ServiceEntry `observability/collector` (port `servicePort`) whose endpoint is 127.0.0.1:`port`. */
function collectorService(servicePort: number, port: number): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: collector, namespace: observability}
spec:
  hosts: [otel-collector.observability.svc.cluster.local]
  resolution: STATIC
  ports: [{number: ${servicePort}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
---
`;
}

/** A root-namespace Telemetry sending every request's spans to `provider`, with a literal and a header tag. */
function meshTracing(provider: string, percentage = 100): string {
  return `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  tracing:
  - providers: [{name: ${provider}}]
    randomSamplingPercentage: ${percentage}
    customTags:
      team: {literal: {value: edge}}
      tenant: {header: {name: x-tenant, defaultValue: none}}
---
`;
}

function mesh(yaml: string): MeshConfig {
  const { mesh, diagnostics } = parseMeshConfig("mesh.yaml", yaml);
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return mesh;
}

const OTEL_MESH = `extensionProviders:
- name: otel
  opentelemetry:
    service: otel-collector.observability.svc.cluster.local
    port: 4318
    http: {path: /v1/traces, timeout: 1s, headers: [{name: x-collector-token, value: secret}]}
`;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue: string } }[];
  status?: { code: number };
}

/** Every span of the collected OTLP bodies, with their resource's `service.name`. */
function otlpSpans(bodies: unknown[]): (OtlpSpan & { service: string })[] {
  return bodies.flatMap((body) =>
    (body as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue: string } }[] };
        scopeSpans: { spans: OtlpSpan[] }[];
      }[];
    }).resourceSpans.flatMap((rs) => {
      const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
      return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, service })));
    })
  );
}

function tag(span: OtlpSpan, key: string): string | undefined {
  return span.attributes.find((a) => a.key === key)?.value.stringValue;
}

async function withGateway(
  config: string,
  meshYaml: string,
  run: (gw: TestGateway, base: string) => Promise<void>,
  port = freePort(),
): Promise<void> {
  const gw = await serveConfig(config, { mesh: mesh(meshYaml) });
  try {
    await run(gw, `http://127.0.0.1:${port}`);
  } finally {
    await gw.close();
  }
}

Deno.test("tracing e2e: OpenTelemetry spans reach an OTLP/HTTP collector, the upstream sees the gateway's context", async () => {
  const app = startUpstream("app");
  const collector = startCollector();
  const port = freePort();
  const config = gatewayWithRoutes(
    port,
    `  - match: [{uri: {prefix: /dead}}]
    route: [{destination: {host: dead, port: {number: 80}}}]
    retries: {attempts: 1, retryOn: connect-failure}
  - match: [{uri: {prefix: /j}}, {uri: {prefix: /f}}, {uri: {prefix: /b}}]
    route: [{destination: {host: app, port: {number: 80}}}]`,
  ) + staticService("app", [app.port]) + staticService("dead", [freePort()]) +
    collectorService(4318, collector.port) + meshTracing("otel");
  const incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const incomingSpan = "00f067aa0ba902b7";
  try {
    await withGateway(config, OTEL_MESH, async (_gw, base) => {
      const joined = await fetchText(`${base}/joined`, {
        headers: {
          traceparent: `00-${incomingTrace}-${incomingSpan}-01`,
          tracestate: "vendor=abc",
          "x-tenant": "t1",
          "user-agent": "tracing-test",
        },
      });
      assert.equal(joined.status, 200);
      const fresh = await fetchText(`${base}/fresh`);
      assert.equal(fresh.status, 200);
      const broken = await fetchText(`${base}/broken`, { headers: { traceparent: "00-zz-nothex-01" } });
      assert.equal(broken.status, 200);
      assert.equal((await fetchText(`${base}/nothing`)).status, 404);
      assert.equal((await fetchText(`${base}/dead`)).status, 503);
    }, port);
    // The gateway has closed: its exporter sent what it held.

    const [joinedUp, freshUp, brokenUp] = app.requests;
    const up = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(joinedUp.headers.get("traceparent") ?? "");
    assert.ok(up, joinedUp.headers.get("traceparent") ?? "no traceparent");
    assert.equal(up[1], incomingTrace, "the caller's trace continues");
    assert.notEqual(up[2], incomingSpan, "the gateway's span is the new parent");
    assert.equal(joinedUp.headers.get("tracestate"), "vendor=abc");
    const requestId = joinedUp.headers.get("x-request-id") ?? "";
    assert.equal(requestId[14], "9", "the sampling decision is packed into x-request-id");

    const freshParent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      freshUp.headers.get("traceparent") ?? "",
    );
    assert.ok(freshParent, "a request without context starts a sampled trace");
    assert.notEqual(freshParent[1], incomingTrace);
    assert.equal(freshUp.headers.get("tracestate"), "");

    assert.equal(
      brokenUp.headers.get("traceparent"),
      "00-zz-nothex-01",
      "a malformed context passes unchanged",
    );

    const spans = otlpSpans(collector.bodies);
    assert.equal(collector.paths[0], "/v1/traces");
    assert.equal(collector.headers[0].get("x-collector-token"), "secret");
    assert.equal(collector.headers[0].get("content-type"), "application/json");
    // joined and fresh: SERVER + CLIENT; the 404: SERVER only; dead: SERVER + two attempts.
    assert.equal(spans.length, 8, JSON.stringify(spans.map((s) => s.name)));

    const client = spans.find((s) => s.spanId === up[2]);
    assert.ok(client, "the upstream's parent span is reported");
    assert.equal(client.kind, 3);
    assert.equal(client.name, "router outbound|80||app.default.svc.cluster.local egress");
    assert.equal(tag(client, "upstream_address"), `127.0.0.1:${app.port}`);
    assert.equal(tag(client, "http.status_code"), "200");

    const server = spans.find((s) => s.spanId === client.parentSpanId);
    assert.ok(server, "the attempt's parent is the gateway's span");
    assert.equal(server.traceId, incomingTrace);
    assert.equal(server.parentSpanId, incomingSpan);
    assert.equal(server.kind, 2);
    assert.equal(server.name, joinedUp.headers.get("x-envoy-decorator-operation"), "the route's operation");
    assert.equal(server.service, "istio-ingressgateway.istio-system");
    assert.ok(BigInt(server.endTimeUnixNano) >= BigInt(server.startTimeUnixNano));
    assert.ok(BigInt(client.startTimeUnixNano) >= BigInt(server.startTimeUnixNano));
    for (
      const [key, value] of [
        ["http.method", "GET"],
        ["http.url", `http://127.0.0.1:${port}/joined`],
        ["http.status_code", "200"],
        ["http.protocol", "HTTP/1.1"],
        ["user_agent", "tracing-test"],
        ["guid:x-request-id", requestId],
        ["upstream_cluster", "outbound|80||app.default.svc.cluster.local"],
        ["peer.address", "127.0.0.1"],
        ["response_flags", "-"],
        ["component", "proxy"],
        ["istio.namespace", "istio-system"],
        ["istio.canonical_service", "istio-ingressgateway"],
        ["team", "edge"],
        ["tenant", "t1"],
      ]
    ) assert.equal(tag(server, key), value, key);
    assert.equal(server.status, undefined);

    const freshServer = spans.find((s) => s.traceId === freshParent[1] && s.kind === 2);
    assert.ok(freshServer);
    assert.equal(freshServer.parentSpanId, undefined, "a new trace has a root span");
    assert.equal(tag(freshServer, "tenant"), "none", "a header tag falls back to its default");

    const noRoute = spans.find((s) => tag(s, "http.status_code") === "404");
    assert.ok(noRoute);
    assert.equal(
      noRoute.name,
      `egress 127.0.0.1:${port}`,
      "without a route the span is named after the host",
    );
    assert.equal(tag(noRoute, "response_flags"), "NR");
    assert.equal(tag(noRoute, "upstream_cluster"), undefined);
    assert.equal(tag(noRoute, "error"), undefined);

    const dead = spans.find((s) => s.kind === 2 && tag(s, "http.status_code") === "503");
    assert.ok(dead);
    assert.equal(tag(dead, "response_flags"), "UF,URX");
    assert.equal(tag(dead, "error"), "true");
    assert.equal(dead.status?.code, 2, "a 5xx span has an error status");
    const attempts = spans.filter((s) => s.parentSpanId === dead.spanId);
    assert.deepEqual(attempts.map((a) => tag(a, "retry.count")), [undefined, "1"]);
    assert.ok(attempts.every((a) => tag(a, "http.status_code") === "0" && tag(a, "response_flags") === "UF"));
  } finally {
    await app.close();
    await collector.close();
  }
});

Deno.test("tracing e2e: a collector that hangs or is down neither slows nor fails requests", async () => {
  for (const down of [false, true]) {
    const app = startUpstream("app");
    const collector = startCollector(true);
    const collectorPort = down ? freePort() : collector.port;
    const port = freePort();
    const config = gatewayWithRoutes(
      port,
      "  - match: [{uri: {prefix: /app}}]\n    route: [{destination: {host: app, port: {number: 80}}}]",
    ) + staticService("app", [app.port]) + collectorService(4318, collectorPort) + meshTracing("otel");
    try {
      await withGateway(config, OTEL_MESH, async (gw, base) => {
        for (let i = 0; i < 30; i++) {
          assert.equal((await fetchText(`${base}/app/${i}`)).status, 200);
        }
        assert.equal((await fetchText(`${base}/nothing`)).status, 404);
        assert.ok(await eventually(() => down || collector.paths.length > 0), "an export was attempted");
        assert.equal(app.requests.length, 30);
        assert.ok(app.requests.every((r) => r.headers.get("traceparent")?.endsWith("-01")));
        assert.ok(gw.logs.every((l) => !l.includes("tracing provider")), gw.logs.join("\n"));
      }, port);
    } finally {
      await app.close();
      await collector.close();
    }
  }
});

Deno.test("tracing e2e: Zipkin provider propagates B3 (single and multi headers) and reports Zipkin v2 JSON", async () => {
  const app = startUpstream("app");
  const collector = startCollector();
  const port = freePort();
  const config = gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
    staticService("app", [app.port]) + collectorService(9411, collector.port) + meshTracing("zipkin", 0);
  const zipkinMesh = `extensionProviders:
- name: zipkin
  zipkin: {service: otel-collector.observability.svc.cluster.local, port: 9411}
`;
  try {
    await withGateway(config, zipkinMesh, async (_gw, base) => {
      await fetchText(`${base}/multi`, {
        headers: {
          "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124",
          "x-b3-spanid": "0020000000000001",
          "x-b3-sampled": "1",
        },
      });
      await fetchText(`${base}/single`, { headers: { b3: "80f198ee56343ba8-e457b5a2e4d86bd1-1" } });
      await fetchText(`${base}/unsampled`, { headers: { b3: "80f198ee56343ba8-e457b5a2e4d86bd1-0" } });
      await fetchText(`${base}/none`);
    }, port);

    const [multi, single, unsampled, none] = app.requests.map((r) => r.headers);
    assert.equal(multi.get("x-b3-traceid"), "463ac35c9f6413ad48485a3953bb6124");
    assert.equal(multi.get("x-b3-sampled"), "1", "the caller's decision wins over 0% sampling");
    assert.match(multi.get("x-b3-spanid") ?? "", /^[0-9a-f]{16}$/);
    assert.notEqual(multi.get("x-b3-spanid"), "0020000000000001");
    assert.equal(single.get("x-b3-traceid"), "80f198ee56343ba8");
    assert.equal(single.get("x-b3-sampled"), "1");
    assert.equal(unsampled.get("x-b3-sampled"), "0");
    assert.equal(none.get("x-b3-sampled"), "0", "no caller decision: 0% sampling");
    assert.match(none.get("x-b3-traceid") ?? "", /^[0-9a-f]{32}$/);
    assert.equal(none.get("traceparent"), null, "USE_B3 sends no W3C header");

    const spans = (collector.bodies as { traceId: string; id: string; parentId?: string; kind: string }[][])
      .flat();
    assert.equal(collector.paths[0], "/api/v2/spans");
    assert.equal(spans.length, 4, "two sampled requests, two spans each");
    const client = spans.find((s) => s.id === multi.get("x-b3-spanid"));
    assert.equal(client?.kind, "CLIENT");
    assert.equal(client?.parentId, multi.get("x-b3-parentspanid"));
    const server = spans.find((s) => s.id === client?.parentId);
    assert.equal(server?.kind, "SERVER");
    assert.equal(server?.parentId, "0020000000000001");
    assert.equal(server?.traceId, "463ac35c9f6413ad48485a3953bb6124");
  } finally {
    await app.close();
    await collector.close();
  }
});
