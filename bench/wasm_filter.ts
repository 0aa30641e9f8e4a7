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
import { bestOf, headerMaps } from "./filter_timing.ts";
import { buildTestFilter } from "../filters/build.ts";
import { loadPlugin, type Plugin } from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "300000" } },
});
const REQUESTS = Number(values.requests);
const measure = (run: () => void, requests = REQUESTS): number => bestOf(run, requests);

function lifecycle(plugin: Plugin): () => void {
  return () => {
    const [request, response] = headerMaps();
    const stream = plugin.createStream();
    stream.onRequestHeaders(request, true);
    stream.onResponseHeaders(response, false);
    stream.complete();
  };
}

const baseline = measure(() => {
  headerMaps();
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
