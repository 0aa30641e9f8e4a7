/**
 * Request-path benchmark without sockets: the gateway's own JavaScript cost per forwarded request, stable
 * where loopback load tests on a shared machine swing by 30 %. The listener's handler runs on the data-path
 * benchmark's config (header match, weighted split, subsets) against an upstream client that answers at
 * once with a canned 100-byte response, so what is timed is routing, header rules, forwarding bookkeeping
 * and building the client's `Response`, without telemetry and with Istio's metrics recorded (the default).
 * The cost of constructing the test `Request` is measured apart and subtracted. Pass `--requests N` to change the measured count.
 * Run: `deno run -A bench/handler.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { compileYaml, DEFAULT_IDENTITY } from "../test/helpers/config.ts";
import { GatewayTelemetry } from "../gateway/telemetry/mod.ts";
import { gatewayConfig } from "./data_path.ts";
import { ClusterStates } from "../gateway/proxy/cluster_state.ts";
import { DnsCache } from "../gateway/proxy/dns.ts";
import { EndpointResolver } from "../gateway/proxy/endpoints.ts";
import { createHttpHandler } from "../gateway/proxy/handler.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import type { UpstreamResponse } from "../gateway/proxy/upstream.ts";

const BODY = new TextEncoder().encode("x".repeat(100));
const UPSTREAM_FIELDS = [
  ["content-type", "text/plain"],
  ["content-length", "100"],
  ["date", "Sun, 22 Nov 2026 03:31:45 GMT"],
  ["connection", "keep-alive"],
].flat();

function cannedUpstream(): Promise<UpstreamResponse> {
  return Promise.resolve({
    status: 200,
    headers: new HeaderList(UPSTREAM_FIELDS.slice()),
    body: null,
    bodyBytes: BODY,
    whenDone: (callback: () => void) => callback(),
  });
}

const snapshot = compileYaml(gatewayConfig(8080, 9));

/** The listener handler, with Istio's metrics recorded (as the gateway runs) or without telemetry. */
function makeHandler(withTelemetry: boolean): Deno.ServeHandler<Deno.NetAddr> {
  let requests: GatewayTelemetry | undefined;
  if (withTelemetry) {
    requests = new GatewayTelemetry({ registry: new Registry(), identity: DEFAULT_IDENTITY });
    requests.update(snapshot.config, snapshot.mesh);
  }
  return createHttpHandler({
    current: () => snapshot,
    port: 8080,
    routeName: "http.8080",
    endpoints: new EndpointResolver(new DnsCache()),
    clusters: new ClusterStates(),
    send: cannedUpstream,
    requests,
  });
}
const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5555 } } as Deno.ServeHandlerInfo<
  Deno.NetAddr
>;

function request(): Request {
  return new Request("http://api.bench.example/api/v1/items", {
    headers: { host: "api.bench.example", "user-agent": "bench", accept: "*/*" },
  });
}

/** Sends `n` requests through `handler`, one after another. */
export async function handle(n: number, handler = makeHandler(true)): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await handler(request(), info);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  }
}

function construct(n: number): void {
  for (let i = 0; i < n; i++) request();
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "100000" } },
  });
  const n = Number(values.requests);
  construct(n / 5);
  const t0 = performance.now();
  construct(n);
  const requestCost = (performance.now() - t0) * 1000 / n;
  for (const [label, telemetry] of [["without telemetry", false], ["with Istio metrics", true]] as const) {
    const handler = makeHandler(telemetry);
    await handle(n / 5, handler);
    const t1 = performance.now();
    await handle(n, handler);
    const total = (performance.now() - t1) * 1000 / n;
    console.log(
      `handler ${label}: ${
        (total - requestCost).toFixed(1)
      } µs of gateway JavaScript per forwarded request ` +
        `(${total.toFixed(1)} µs measured, less ${
          requestCost.toFixed(1)
        } µs building the test Request; ${n} requests)`,
    );
  }
}
