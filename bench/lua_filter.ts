/**
 * Per-request cost of a Lua filter (a `TrafficExtension` with `lua.inlineCode`, `wasm/lua/`) without sockets,
 * against the Proxy-Wasm filter doing the same work: one request's filter lifecycle (`createStream`,
 * `onRequestHeaders` with 10 typical headers, `onResponseHeaders` with 5, `complete`), the header maps built
 * apart as the baseline and subtracted. Rows:
 * - an empty `envoy_on_request` (the floor: a pooled coroutine resumed once),
 * - the header rewrite of `component_filter.ts` (3 request edits, a `:path` read copied into a header, a
 *   lookup miss; 3 response edits) in Lua, with the instruction budget's count hook and without it,
 * - the same rewrite as the Proxy-Wasm AssemblyScript filter (`filters/testdata/as/headers.ts`),
 * - Istio's Lua sample (`x-lua-injected: true`),
 * - a POST whose 1 KiB body the script reads with `body()` (length into a header).
 * Run: `deno run -A bench/lua_filter.ts [--requests N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { bestOf, headerMaps } from "./filter_timing.ts";
import { buildTestFilter } from "../filters/build.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import { loadLuaPlugin, loadPlugin, type Plugin } from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "100000" } },
});
const REQUESTS = Number(values.requests);
const measure = (run: () => void, requests = REQUESTS): number => bestOf(run, requests);

const BODY = new Uint8Array(1024).fill(97);

const HEADER_REWRITE = `
function envoy_on_request(handle)
  local headers = handle:headers()
  headers:add("x-wasm-added", "yes")
  headers:replace("x-replace-me", "replaced")
  headers:remove("x-remove-me")
  local path = headers:get(":path")
  if path then headers:add("x-seen-path", path) end
  if headers:get("x-pairs") then headers:add("x-pairs-done", "1") end
end
function envoy_on_response(handle)
  local headers = handle:headers()
  headers:add("x-wasm-response", "yes")
  headers:replace("server", "portcullis-wasm")
  headers:remove("x-powered-by")
end`;
const ISTIO_SAMPLE = `
function envoy_on_request(request_handle)
  request_handle:headers():add("x-lua-injected", "true")
end`;
const BODY_READ = `
function envoy_on_request(handle)
  handle:headers():add("x-body-size", handle:body():length())
end`;

/** One request through `plugin`; with `body`, a POST whose body arrives in one chunk. */
function request(plugin: Plugin, body?: Uint8Array): [HeaderList, HeaderList] {
  const [req, res] = headerMaps();
  const stream = plugin.createStream();
  stream.onRequestHeaders(req, body === undefined);
  if (body) stream.onRequestBody(body, true);
  stream.onResponseHeaders(res, false);
  stream.complete();
  return [req, res];
}

const quiet = { logger: () => {} };
const proxyWasm = await loadPlugin(await buildTestFilter("headers"), { name: "headers", ...quiet });
const lua = (code: string, instructionsPerCall?: null) =>
  loadLuaPlugin(code, { name: "lua", instructionsPerCall, ...quiet });
const rewrite = await lua(HEADER_REWRITE);
const outcome = (plugin: Plugin) => JSON.stringify(request(plugin).map((m) => m.fields));
if (outcome(proxyWasm) !== outcome(rewrite)) {
  throw new Error(`the filters do not do the same work:\n${outcome(proxyWasm)}\n${outcome(rewrite)}`);
}
const bodyRead = await lua(BODY_READ);
if (request(bodyRead, BODY)[0].get("x-body-size") !== "1024") throw new Error("body() did not see the body");

const baseline = measure(() => {
  headerMaps();
});
console.log(`baseline (building the header maps): ${(baseline / 1000).toFixed(2)} µs/request`);
console.log("filter                                              µs/request added");
const rows: [string, Plugin, Uint8Array?][] = [
  ["Lua, empty envoy_on_request", await lua("function envoy_on_request(handle) end")],
  ["Lua header rewrite", rewrite],
  ["Lua header rewrite, no instruction budget hook", await lua(HEADER_REWRITE, null)],
  ["Proxy-Wasm header rewrite (AssemblyScript)", proxyWasm],
  ["Lua, Istio's sample (x-lua-injected)", await lua(ISTIO_SAMPLE)],
  ["Lua, body() of a 1 KiB POST into a header", bodyRead, BODY],
];
for (const [label, plugin, body] of rows) {
  const cost = (measure(() => request(plugin, body)) - baseline) / 1000;
  console.log(`${label.padEnd(52)}${cost.toFixed(2).padStart(8)}`);
}
for (const [, plugin] of rows) await plugin.dispose();
