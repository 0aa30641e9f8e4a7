/**
 * Per-request cost of the admin dashboard's traffic window, without I/O: recording into it while someone
 * watches (route, cluster and total series, latency histogram), the request fan-out when nobody watches and
 * telemetry is the only active sink, and reading the whole window (one `/dashboard/data` poll).
 * Pass `--requests N` to change the count. Run: `deno run -A bench/dashboard.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { TrafficWindow } from "../gateway/dashboard/traffic_window.ts";
import { fanOutRequests } from "../gateway/server/request_fanout.ts";
import type { RecordedRoute, RequestRecord } from "../gateway/telemetry/request_record.ts";
import { noRoute, productpage, reviewsConnectFailure } from "../test/telemetry/_records.ts";

const ROUTES: RecordedRoute[] = [0, 1, 2].map((rule) => ({
  virtualService: "bookinfo/bookinfo",
  rule,
  name: "",
}));
const RECORDS: RequestRecord[] = [
  productpage({ route: ROUTES[0], durationMs: 3 }),
  productpage({ route: ROUTES[1], path: "/static/bootstrap.css", durationMs: 1 }),
  reviewsConnectFailure({ route: ROUTES[2] }),
  noRoute(),
];

function time(label: string, n: number, run: (rec: RequestRecord) => void): void {
  for (let i = 0; i < n / 5; i++) run(RECORDS[i & 3]);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run(RECORDS[i & 3]);
  const ns = (performance.now() - t0) * 1e6 / n;
  console.log(`${label.padEnd(56)} ${ns.toFixed(0)} ns per request`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "2000000" } },
  });
  const n = Number(values.requests);

  const watched = new TrafficWindow({ watchMs: 1e12 });
  watched.watch();
  time("TrafficWindow.record (watched)", n, (r) => watched.record(r));

  let recorded = 0;
  const telemetry = { active: true, record: () => void recorded++ };
  const idle = fanOutRequests([telemetry, new TrafficWindow()]);
  time("fan-out, dashboard not watched (active + record)", n, (r) => {
    if (idle.active) idle.record(r);
  });
  const direct = { active: true, record: (_: RequestRecord) => void recorded++ };
  time("telemetry sink alone (active + record), for comparison", n, (r) => {
    if (direct.active) direct.record(r);
  });

  const polls = 1000;
  const t0 = performance.now();
  for (let i = 0; i < polls; i++) watched.view();
  console.log(
    `${"TrafficWindow.view (4 route + 2 cluster series)".padEnd(56)} ${
      ((performance.now() - t0) * 1000 / polls).toFixed(0)
    } µs per poll`,
  );
}
