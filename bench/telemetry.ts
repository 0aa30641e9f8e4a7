/**
 * Telemetry cost per finished request, without I/O: recording Istio's metrics (default labels, then with a
 * tag override evaluated per request), formatting an access-log line (Istio's default text and JSON formats),
 * and the whole `GatewayTelemetry.record` with a text access log into a sink that discards. Records rotate
 * over a few label sets, as traffic to several routes does. Pass `--requests N` to change the count.
 * Run: `deno run -A bench/telemetry.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { emptyConfigSet } from "../gateway/config/config_set.ts";
import { DEFAULT_MESH_CONFIG, type MeshConfig } from "../gateway/config/mesh/mod.ts";
import { nodeAttribute } from "../gateway/telemetry/cel/mod.ts";
import {
  compileLogFormat,
  GatewayTelemetry,
  ISTIO_DEFAULT_JSON_LABELS,
  ISTIO_DEFAULT_TEXT_FORMAT,
  IstioMetrics,
  type RequestRecord,
} from "../gateway/telemetry/mod.ts";
import { INGRESS, noRoute, productpage, reviewsConnectFailure } from "../test/telemetry/_records.ts";

const RECORDS: RequestRecord[] = [
  productpage(),
  productpage({ path: "/static/bootstrap.css", responseBytes: 1200 }),
  reviewsConnectFailure(),
  noRoute(),
];

function time(label: string, n: number, run: (rec: RequestRecord) => void): void {
  for (let i = 0; i < n / 5; i++) run(RECORDS[i & 3]);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run(RECORDS[i & 3]);
  const us = (performance.now() - t0) * 1000 / n;
  console.log(`${label.padEnd(52)} ${us.toFixed(2)} µs per request`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "1000000" } },
  });
  const n = Number(values.requests);

  const plain = new IstioMetrics(new Registry(), { workload: INGRESS });
  time("IstioMetrics.record (standard labels)", n, (r) => plain.record(r));

  const overridden = new IstioMetrics(new Registry(), {
    workload: INGRESS,
    settings: {
      enabled: true,
      overrides: [{
        metric: "REQUEST_COUNT",
        disabled: false,
        tags: [{ name: "request_host", remove: false, value: "request.host" }],
      }],
    },
  });
  time("IstioMetrics.record (+ request_host = request.host)", n, (r) => overridden.record(r));

  const ctx = { hostname: "bench", node: nodeAttribute(INGRESS) };
  const text = compileLogFormat({ type: "text", text: ISTIO_DEFAULT_TEXT_FORMAT }, ctx);
  time("access log line, Istio default TEXT", n / 4, (r) => void text(r));
  const json = compileLogFormat({ type: "json", labels: ISTIO_DEFAULT_JSON_LABELS }, ctx);
  time("access log line, Istio default JSON", n / 4, (r) => void json(r));

  const telemetry = new GatewayTelemetry({
    registry: new Registry(),
    identity: { labels: INGRESS.labels, namespace: INGRESS.namespace },
    hostname: "bench",
    openSink: () => Promise.resolve({ write: (b) => Promise.resolve(b.length), close: () => {} }),
  });
  const mesh: MeshConfig = { ...DEFAULT_MESH_CONFIG, accessLogFile: "/dev/stdout" };
  telemetry.update(emptyConfigSet(), mesh);
  time("GatewayTelemetry.record (metrics + TEXT log)", n / 4, (r) => telemetry.record(r));
  await telemetry.close();
}
