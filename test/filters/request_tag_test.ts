import assert from "node:assert/strict";
import { parse } from "yaml";
import { FILTERS_DIR } from "../../filters/build.ts";
import { buildComponentFilter } from "../../filters/toolchain/component_filters.ts";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { loadComponentPlugin } from "../../wasm/component/mod.ts";
import { MetricStore, PluginLoadError, requestHeaderMap, responseHeaderMap } from "../../wasm/mod.ts";

async function load(pluginConfig: unknown, metrics = new MetricStore()) {
  const { bytes } = await buildComponentFilter("request-tag");
  return await loadComponentPlugin(bytes, {
    name: "request-tag",
    pluginConfig: typeof pluginConfig === "string" ? pluginConfig : pluginConfig as Record<string, unknown>,
    metrics,
    logger: () => {},
  });
}

const request = (path: string, fields: string[] = []) =>
  requestHeaderMap({ method: "GET", path, authority: "a.example", scheme: "https" }, new HeaderList(fields));

Deno.test("request-tag: the example configuration edits both directions and denies its prefix", async () => {
  const example = parse(await Deno.readTextFile(`${FILTERS_DIR}request-tag/example.yaml`));
  const metrics = new MetricStore();
  await using plugin = await load(example.spec.pluginConfig, metrics);
  assert.equal(plugin.mode, "direct");
  const map = request("/api/items", ["x-debug", "1", "x-request-tag", "spoofed"]);
  const stream = plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, true).action, "continue");
  assert.deepEqual(map.getAll("x-request-tag"), ["edge"]);
  assert.equal(map.has("x-debug"), false);
  const response = responseHeaderMap(200, new HeaderList(["x-powered-by", "php"]));
  stream.onResponseHeaders(response, true);
  assert.deepEqual(response.fields, [":status", "200", "x-served-by", "portcullis"]);
  const denied = plugin.createStream().onRequestHeaders(request("/internal/metrics?x=1"), true);
  assert.equal(denied.action, "reply");
  assert.equal(denied.action === "reply" && denied.reply.status, 403);
  assert.equal(denied.action === "reply" && denied.reply.details, "request_tag_denied");
  assert.equal(plugin.createStream().onRequestHeaders(request("/internalx"), true).action, "continue");
  assert.deepEqual(
    metrics.all().map((m) => [m.name, "value" in m ? m.value : undefined]),
    [["request_tag_requests_total", 3], ["request_tag_denied_total", 1]],
  );
});

Deno.test("request-tag: add keeps existing fields, the deny prefix ignores the query, metricPrefix renames", async () => {
  const metrics = new MetricStore();
  await using plugin = await load({
    requestHeaders: { add: { "X-Trace": "1" } },
    deny: { pathPrefixes: ["/a"], status: 429, body: "slow down" },
    metricPrefix: "tagger",
  }, metrics);
  const map = request("/b?/a", ["x-trace", "0"]);
  plugin.createStream().onRequestHeaders(map, true);
  assert.deepEqual(map.getAll("x-trace"), ["0", "1"]);
  const r = plugin.createStream().onRequestHeaders(request("/a/b"), true);
  assert.equal(r.action === "reply" && new TextDecoder().decode(r.reply.body), "slow down");
  assert.deepEqual(metrics.all().map((m) => m.name), ["tagger_requests_total", "tagger_denied_total"]);
});

Deno.test("request-tag: an invalid configuration refuses the plugin with the reason", async () => {
  for (
    const [config, reason] of [
      ["{not json", /invalid JSON/],
      [{ requestHeaders: { set: { a: 1 } } }, /requestHeaders: set.a must be a string/],
      [{ responseHeaders: [] }, /responseHeaders: header edits must be an object/],
      [{ deny: { status: 700 } }, /deny.status must be 200-599/],
    ] as const
  ) {
    await assert.rejects(
      () => load(config),
      (e: Error) => e instanceof PluginLoadError && reason.test(e.message),
    );
  }
});
