/**
 * Per-request cost of a Proxy-Wasm filter on the data path, without sockets: one request's whole filter
 * lifecycle (`createStream`, `onRequestHeaders` with 10 typical headers, `onResponseHeaders` with 5,
 * `complete`: on_context_create, on_request_headers, on_response_headers, on_done, on_log, on_delete).
 * Building the header maps is timed apart as the baseline and subtracted. Filters: the leanest WAT module,
 * an AssemblyScript no-op, and the AssemblyScript header rewriter (3 request and 3 response header edits);
 * each fuel-metered (as the gateway runs them) and unmetered. Target: under 2 µs added per lean filter.
 * Run: `deno run -A bench/wasm_filter.ts [--requests N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import { buildTestFilter } from "../filters/build.ts";
import { loadPlugin, type Plugin, requestHeaderMap, responseHeaderMap } from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "300000" } },
});
const REQUESTS = Number(values.requests);
const ROUNDS = 5;

const REQUEST_FIELDS = [
  ["host", "bookinfo.example.com"],
  ["user-agent", "curl/8.5.0"],
  ["accept", "*/*"],
  ["accept-encoding", "gzip, deflate"],
  ["x-forwarded-for", "192.0.2.10"],
  ["x-forwarded-proto", "http"],
  ["x-request-id", "5b1a1c4e-3f0e-4d59-9a53-0e5d3a3c7a10"],
  ["x-replace-me", "old"],
  ["x-remove-me", "gone"],
  ["cookie", "session=abc123"],
].flat();
const RESPONSE_FIELDS = [
  ["content-type", "text/plain"],
  ["content-length", "100"],
  ["server", "upstream"],
  ["x-powered-by", "php"],
  ["date", "Sun, 22 Nov 2026 03:31:45 GMT"],
].flat();
const LINE = { method: "GET", path: "/productpage?u=1", authority: "bookinfo.example.com", scheme: "http" };

function maps(): [HeaderList, HeaderList] {
  return [
    requestHeaderMap(LINE, new HeaderList(REQUEST_FIELDS.slice())),
    responseHeaderMap(200, new HeaderList(RESPONSE_FIELDS.slice())),
  ];
}

/** Best-of-rounds nanoseconds per request of `run`. */
function measure(run: () => void): number {
  for (let i = 0; i < REQUESTS / 10; i++) run();
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < REQUESTS; i++) run();
    best = Math.min(best, ((performance.now() - start) * 1e6) / REQUESTS);
  }
  return best;
}

function lifecycle(plugin: Plugin): () => void {
  return () => {
    const [request, response] = maps();
    const stream = plugin.createStream();
    stream.onRequestHeaders(request, true);
    stream.onResponseHeaders(response, false);
    stream.complete();
  };
}

const baseline = measure(() => {
  maps();
});
console.log(`baseline (building the header maps): ${(baseline / 1000).toFixed(2)} µs/request`);
console.log("filter                      metered µs   unmetered µs   (added per request, over the baseline)");
for (const name of ["lean", "noop", "headers"]) {
  const bytes = await buildTestFilter(name);
  const row: string[] = [];
  for (const fuelPerCallback of [20_000_000, null]) {
    const plugin = await loadPlugin(bytes, { name, limits: { fuelPerCallback }, logger: () => {} });
    row.push(((measure(lifecycle(plugin)) - baseline) / 1000).toFixed(2).padStart(10));
    await plugin.dispose();
  }
  const label = {
    lean: "lean (WAT, no-op)",
    noop: "no-op (AssemblyScript)",
    headers: "header rewrite (AS)",
  }[name]!;
  console.log(`${label.padEnd(28)}${row[0]}     ${row[1]}`);
}
