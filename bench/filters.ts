/**
 * Per-request cost of each shipped filter (`filters/<name>/`) on the data path, in-process through the host
 * and without sockets, like `wasm_filter.ts`: one request's whole lifecycle (`createStream`,
 * `onRequestHeaders` with 10 typical headers, `onResponseHeaders` with 5, `complete`), fuel-metered as the
 * gateway runs filters, minus building the header maps. Each filter runs its example configuration (the
 * ratelimit buckets made large enough never to run dry, plus a case that is always limited; request-log's
 * lines are built and handed to a logger that drops them; stats also with a lean configuration); the
 * AssemblyScript no-op is the floor.
 * Run: `deno run -A bench/filters.ts [--requests N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { bestOf } from "./filter_timing.ts";
import { parse as parseYaml } from "yaml";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import { buildShippedFilter, buildTestFilter, FILTERS_DIR } from "../filters/build.ts";
import { STANDARD_TAGS } from "../gateway/telemetry/metrics/standard_tags.ts";
import {
  loadPlugin,
  MetricStore,
  type Plugin,
  requestHeaderMap,
  responseHeaderMap,
  SharedData,
  type StreamInfo,
} from "../wasm/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "100000" } },
});
const REQUESTS = Number(values.requests);

const REQUEST_FIELDS = [
  ["host", "shop.example.com"],
  ["user-agent", "curl/8.5.0"],
  ["accept", "*/*"],
  ["accept-encoding", "gzip, deflate"],
  ["x-forwarded-for", "192.0.2.10"],
  ["x-forwarded-proto", "https"],
  ["x-request-id", "5b1a1c4e-3f0e-4d59-9a53-0e5d3a3c7a10"],
  ["x-api-key", "key-1"],
  ["authorization", "Bearer abc"],
  ["cookie", "session=abc123"],
].flat();
const RESPONSE_FIELDS = [
  ["content-type", "application/json"],
  ["content-length", "100"],
  ["server", "upstream"],
  ["x-powered-by", "php"],
  ["date", "Sun, 22 Nov 2026 03:31:45 GMT"],
].flat();

function maps(path: string): [HeaderList, HeaderList] {
  return [
    requestHeaderMap(
      { method: "GET", path, authority: "shop.example.com", scheme: "http" },
      new HeaderList(REQUEST_FIELDS.slice()),
    ),
    responseHeaderMap(200, new HeaderList(RESPONSE_FIELDS.slice())),
  ];
}

const measure = (run: () => void): number => bestOf(run, REQUESTS);

const INFO: StreamInfo = {
  source: { address: "203.0.113.9", port: 50000 },
  routeName: "api",
  clusterName: "outbound|80||app.default.svc.cluster.local",
  response: {},
};

function lifecycle(plugin: Plugin, path: string): () => void {
  return () => {
    const [request, response] = maps(path);
    const stream = plugin.createStream(INFO);
    const r = stream.onRequestHeaders(request, true);
    if (r.action === "continue") stream.onResponseHeaders(response, false);
    stream.complete();
  };
}

/** The `pluginConfig` of `filters/<name>/example.yaml`. */
async function exampleConfig(name: string): Promise<Record<string, unknown>> {
  const doc = parseYaml(await Deno.readTextFile(`${FILTERS_DIR}${name}/example.yaml`));
  return doc.spec.pluginConfig;
}

/** The ratelimit example with buckets too big to run dry during the run. */
function neverDry(config: Record<string, unknown>): Record<string, unknown> {
  const rules = (config.rules as Record<string, unknown>[]).map((r) => ({
    ...r,
    maxTokens: 1e15,
    tokensPerFill: 1e15,
  }));
  return { ...config, rules };
}

interface Case {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly config?: Record<string, unknown>;
  readonly path: string;
}

const ratelimit = await exampleConfig("ratelimit");
const quota = await exampleConfig("quota");

/** A quota rule of the example whose limits are too big to run out during the run. */
function bigLimits(rule: Record<string, unknown>): Record<string, unknown> {
  const limits = (rule.limits as Record<string, unknown>[]).map((l) => ({ ...l, requests: 1e15 }));
  return { ...rule, limits };
}
const cases: Case[] = [
  { label: "no-op (AssemblyScript, floor)", bytes: await buildTestFilter("noop"), path: "/api/items" },
  {
    label: "ratelimit: 2 buckets, allowed",
    bytes: (await buildShippedFilter("ratelimit")).bytes,
    config: neverDry(ratelimit),
    path: "/api/items",
  },
  {
    label: "ratelimit: limited (429)",
    bytes: (await buildShippedFilter("ratelimit")).bytes,
    config: { rules: [{ name: "none", maxTokens: 1, fillInterval: "24h" }] },
    path: "/api/items",
  },
  {
    label: "acl: 6 rules, allowed",
    bytes: (await buildShippedFilter("acl")).bytes,
    config: await exampleConfig("acl"),
    path: "/api/items",
  },
  {
    label: "acl: denied (403)",
    bytes: (await buildShippedFilter("acl")).bytes,
    config: await exampleConfig("acl"),
    path: "/admin/users",
  },
  {
    label: "quota: 4 counters, allowed",
    bytes: (await buildShippedFilter("quota")).bytes,
    config: { ...quota, rules: (quota.rules as Record<string, unknown>[]).map(bigLimits) },
    path: "/api/items",
  },
  {
    label: "header-rewrite: 2 rules, 7 edits",
    bytes: (await buildShippedFilter("header-rewrite")).bytes,
    config: await exampleConfig("header-rewrite"),
    path: "/api/items",
  },
  {
    label: "header-rewrite: redirect",
    bytes: (await buildShippedFilter("header-rewrite")).bytes,
    config: await exampleConfig("header-rewrite"),
    path: "/old/page",
  },
  {
    label: "stats: 3 metrics, 25+3 labels",
    bytes: (await buildShippedFilter("stats")).bytes,
    config: await exampleConfig("stats"),
    path: "/api/items",
  },
  {
    label: "stats: requests_total, 4 labels",
    bytes: (await buildShippedFilter("stats")).bytes,
    config: {
      metrics: [
        { tags_to_remove: STANDARD_TAGS.filter((t) => !["response_code", "response_flags"].includes(t)) },
        { dimensions: { route: "route_name", tenant: "request.headers['x-api-key']" } },
        { name: "request_duration_milliseconds", drop: true },
        { name: "request_bytes", drop: true },
        { name: "response_bytes", drop: true },
      ],
    },
    path: "/api/items",
  },
  {
    label: "request-log: 15 fields, JSON",
    bytes: (await buildShippedFilter("request-log")).bytes,
    config: await exampleConfig("request-log"),
    path: "/api/items",
  },
  {
    label: "request-log: not logged (minStatus)",
    bytes: (await buildShippedFilter("request-log")).bytes,
    config: { ...await exampleConfig("request-log"), minStatus: 400 },
    path: "/api/items",
  },
];

const baseline = measure(() => {
  maps("/api/items");
});
console.log(`baseline (building the header maps): ${(baseline / 1000).toFixed(2)} µs/request`);
console.log("filter (example config)              µs/request (added, fuel-metered)");
for (const c of cases) {
  const plugin = await loadPlugin(c.bytes, {
    name: `istio-system.${c.label.split(":")[0]}`,
    pluginConfig: c.config,
    metrics: new MetricStore(),
    sharedData: new SharedData(),
    logger: () => {},
  });
  const ns = measure(lifecycle(plugin, c.path)) - baseline;
  console.log(`${c.label.padEnd(37)}${(ns / 1000).toFixed(2).padStart(8)}`);
  await plugin.dispose();
}
