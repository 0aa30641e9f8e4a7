/**
 * Per-request cost of a component filter against a Proxy-Wasm filter doing the same work, without sockets:
 * one request's filter lifecycle (`createStream`, `onRequestHeaders` with 10 typical headers,
 * `onResponseHeaders` with 5, `complete`), the header maps built apart as the baseline and subtracted, all
 * fuel-metered as the gateway runs them. The same header rewrite (3 request edits, a `:path` read copied
 * into a header, a lookup miss; 3 response edits) as:
 * - the Proxy-Wasm AssemblyScript filter (`filters/testdata/as/headers.ts`, as in `wasm_filter.ts`),
 * - the component (`filters/testdata/component/headers.ts`) run directly (the host's canonical ABI
 *   lowering, as the gateway runs it),
 * - the same component through jco's generated glue (for reference),
 * and the shipped `request-tag` component with its example configuration.
 * Run: `deno run -A bench/component_filter.ts [--requests N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { bestOf, headerMaps } from "./filter_timing.ts";
import { parse } from "yaml";
import { buildTestFilter, FILTERS_DIR } from "../filters/build.ts";
import { buildComponentFilter, buildTestComponent } from "../filters/toolchain/component_filters.ts";
import { loadComponentPlugin } from "../wasm/component/mod.ts";
import { loadPlugin, type Plugin } from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "200000" } },
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

/** The request and response headers `plugin` leaves, to check the filters did the same work. */
function outcome(plugin: Plugin): string {
  const [request, response] = headerMaps();
  const stream = plugin.createStream();
  stream.onRequestHeaders(request, true);
  stream.onResponseHeaders(response, false);
  stream.complete();
  return JSON.stringify([request.fields, response.fields]);
}

const quiet = { logger: () => {} };
const proxyWasm = await loadPlugin(await buildTestFilter("headers"), { name: "headers", ...quiet });
const component = await buildTestComponent("headers");
const direct = await loadComponentPlugin(component, { name: "headers", mode: "direct", ...quiet });
const glue = await loadComponentPlugin(component, { name: "headers", mode: "jco", ...quiet });
const example = parse(await Deno.readTextFile(`${FILTERS_DIR}request-tag/example.yaml`));
const requestTag = await loadComponentPlugin((await buildComponentFilter("request-tag")).bytes, {
  name: "request-tag",
  pluginConfig: example.spec.pluginConfig,
  ...quiet,
});
if (outcome(proxyWasm) !== outcome(direct) || outcome(direct) !== outcome(glue)) {
  throw new Error(
    `the filters do not do the same work:\n${outcome(proxyWasm)}\n${outcome(direct)}\n${outcome(glue)}`,
  );
}

const baseline = measure(() => {
  headerMaps();
});
console.log(`baseline (building the header maps): ${(baseline / 1000).toFixed(2)} µs/request`);
console.log("filter (same header rewrite unless noted)          µs/request added (fuel-metered)");
const rows: [string, Plugin, number?][] = [
  ["Proxy-Wasm (AssemblyScript)", proxyWasm],
  ["component, direct lowering (the gateway's path)", direct],
  ["component through jco's glue", glue, REQUESTS / 10],
  ["request-tag component (example config), direct", requestTag],
];
for (const [label, plugin, requests] of rows) {
  const cost = (measure(lifecycle(plugin), requests) - baseline) / 1000;
  console.log(`${label.padEnd(52)}${cost.toFixed(2).padStart(8)}`);
}
for (const plugin of [proxyWasm, direct, glue, requestTag]) await plugin.dispose();
