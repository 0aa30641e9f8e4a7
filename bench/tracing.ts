/**
 * Tracing's cost per forwarded request, without sockets: the handler of `bench/handler.ts` with telemetry
 * whose tracing is off (no provider), on at Istio's default 1%, and on at 100% (every request gets its SERVER
 * and CLIENT spans built, tagged, OTLP-JSON encoded in batches and handed to a transport that discards them).
 * Run: `deno run -A bench/tracing.ts [--requests N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { compileYaml, DEFAULT_IDENTITY } from "../test/helpers/config.ts";
import { parseMeshConfig } from "../gateway/config/mesh/mod.ts";
import { GatewayTelemetry } from "../gateway/telemetry/mod.ts";
import { gatewayConfig } from "./data_path.ts";
import { ClusterStates } from "../gateway/proxy/cluster_state.ts";
import { DnsCache } from "../gateway/proxy/dns.ts";
import { EndpointResolver } from "../gateway/proxy/endpoints.ts";
import { createHttpHandler } from "../gateway/proxy/handler.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import type { UpstreamResponse } from "../gateway/proxy/upstream.ts";

const BODY = new TextEncoder().encode("x".repeat(100));

function cannedUpstream(): Promise<UpstreamResponse> {
  return Promise.resolve({
    status: 200,
    headers: new HeaderList(["content-type", "text/plain", "content-length", "100"]),
    body: null,
    bodyBytes: BODY,
    whenDone: (callback: () => void) => callback(),
  });
}

const COLLECTOR = `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: collector, namespace: observability}
spec:
  hosts: [collector.observability.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 4318, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
`;

function telemetryYaml(percent: number): string {
  return `---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh, namespace: istio-system}
spec:
  tracing: [{providers: [{name: otel}], randomSamplingPercentage: ${percent}}]
`;
}

const { mesh } = parseMeshConfig(
  "mesh.yaml",
  `extensionProviders:
- name: otel
  opentelemetry: {service: collector.observability.svc.cluster.local, port: 4318, http: {}}
`,
);

let exported = 0;

/** The handler with Istio's metrics and tracing at `percent` (undefined: tracing off). */
async function makeHandler(percent: number | undefined): Promise<Deno.ServeHandler<Deno.NetAddr>> {
  const yaml = gatewayConfig(8080, 9) + COLLECTOR + (percent === undefined ? "" : telemetryYaml(percent));
  const snapshot = compileYaml(yaml);
  const telemetry = new GatewayTelemetry({
    registry: new Registry(),
    identity: DEFAULT_IDENTITY,
    spanTransport: (req) => {
      exported += req.body.length;
      return Promise.resolve(200);
    },
  });
  await telemetry.loadFor(snapshot.config, mesh);
  telemetry.update(snapshot.config, mesh);
  return createHttpHandler({
    current: () => snapshot,
    port: 8080,
    routeName: "http.8080",
    endpoints: new EndpointResolver(new DnsCache()),
    clusters: new ClusterStates(),
    send: cannedUpstream,
    requests: telemetry,
  });
}

const info = {
  remoteAddr: { transport: "tcp", hostname: "203.0.113.7", port: 5555 },
} as Deno.ServeHandlerInfo<
  Deno.NetAddr
>;

function request(): Request {
  return new Request("http://api.bench.example/api/v1/items", {
    headers: {
      host: "api.bench.example",
      "user-agent": "bench",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    },
  });
}

async function run(handler: Deno.ServeHandler<Deno.NetAddr>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await handler(request(), info);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  return (performance.now() - t0) * 1000 / n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "50000" } },
  });
  const n = Number(values.requests);
  for (const [label, percent] of [["off", undefined], ["1%", 1], ["100%", 100]] as const) {
    const handler = await makeHandler(percent);
    await run(handler, n / 5);
    const micros = await run(handler, n);
    console.log(
      `handler with tracing ${label}: ${micros.toFixed(1)} µs per forwarded request (${n} requests)`,
    );
  }
  console.log(`(${(exported / 1024 / 1024).toFixed(1)} MiB of OTLP JSON handed to the transport)`);
}
