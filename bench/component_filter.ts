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
import { parse } from "yaml";
import { buildTestFilter, FILTERS_DIR } from "../filters/build.ts";
import { buildComponentFilter, buildTestComponent } from "../filters/toolchain/component_filters.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import { loadComponentPlugin } from "../wasm/component/mod.ts";
import { loadPlugin, type Plugin, requestHeaderMap, responseHeaderMap } from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "200000" } },
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
function measure(run: () => void, requests = REQUESTS): number {
  for (let i = 0; i < requests / 10; i++) run();
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < requests; i++) run();
    best = Math.min(best, ((performance.now() - start) * 1e6) / requests);
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

/** The request and response headers `plugin` leaves, to check the filters did the same work. */
function outcome(plugin: Plugin): string {
  const [request, response] = maps();
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
  maps();
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
