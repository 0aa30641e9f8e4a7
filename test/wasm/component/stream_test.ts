import assert from "node:assert/strict";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";
import {
  type BodyResult,
  type HeadersResult,
  MetricType,
  PluginLoadError,
  requestHeaderMap,
  responseHeaderMap,
  SharedData,
} from "../../../wasm/mod.ts";
import { loadTestComponent, MODES } from "../../helpers/component.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

function request(fields: string[] = [], path = "/items?x=1"): HeaderList {
  return requestHeaderMap(
    { method: "GET", path, authority: "shop.example", scheme: "http" },
    new HeaderList(fields),
  );
}

function replyOf(r: HeadersResult | BodyResult) {
  assert.equal(r.action, "reply");
  return (r as Extract<typeof r, { action: "reply" }>).reply;
}

function dataOf(r: BodyResult): string {
  assert.equal(r.action, "continue");
  return text((r as { data: Uint8Array }).data);
}

for (const mode of MODES) {
  Deno.test(`component stream (${mode}): the plugin configuration arrives and header edits land in the maps`, async () => {
    await using c = await loadTestComponent("actions", mode, { pluginConfig: { metric: "actions_total" } });
    assert.equal(c.plugin.mode, mode);
    assert.equal(c.plugin.abi, "component");
    const map = request(["x-test", "echo", "x-in", "grüße \u{1F600}"]);
    const stream = c.plugin.createStream();
    assert.deepEqual(stream.onRequestHeaders(map, true), { action: "continue" });
    assert.equal(map.get("x-config"), '{"metric":"actions_total"}');
    assert.equal(map.get("x-echo"), "grüße \u{1F600}");
    assert.equal(map.get("x-count"), String(map.length - 1));
    assert.equal(stream.routeCacheCleared, true);
    const response = responseHeaderMap(201, new HeaderList(["server", "up"]));
    assert.deepEqual(stream.onResponseHeaders(response, true), { action: "continue" });
    assert.equal(response.get("x-status-seen"), "201");
    stream.complete();
    const metric = c.metrics.byName("actions_total")!;
    assert.equal(metric.type, MetricType.Counter);
    assert.equal("value" in metric && metric.value, 1);
  });

  Deno.test(`component stream (${mode}): a hook's reply and send-reply answer the request`, async () => {
    await using c = await loadTestComponent("actions", mode);
    const reply = replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "reply"]), true));
    assert.equal(reply.status, 418);
    assert.equal(text(reply.body), "teapot");
    assert.deepEqual(reply.headers.fields, ["x-why", "test"]);
    assert.equal(reply.details, "actions_reply");
    const sent = replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "send-reply"]), true));
    assert.equal(sent.status, 451);
    assert.equal(text(sent.body), "sent");
    assert.equal(sent.details, "wasm_local_reply");
    const stream = c.plugin.createStream();
    assert.equal(stream.onRequestHeaders(request(["x-test", "response-reply"]), true).action, "continue");
    assert.equal(
      replyOf(stream.onResponseHeaders(responseHeaderMap(200, new HeaderList()), false)).status,
      502,
    );
  });

  Deno.test(`component stream (${mode}): body hooks buffer, replace and reply`, async () => {
    await using c = await loadTestComponent("actions", mode);
    const upper = c.plugin.createStream();
    upper.onRequestHeaders(request(["x-body", "upper"]), false);
    assert.deepEqual(upper.onRequestBody(bytes("hello "), false), { action: "buffer" });
    assert.equal(dataOf(upper.onRequestBody(bytes("world"), true)), "HELLO WORLD");

    const held = c.plugin.createStream();
    held.onRequestHeaders(request(["x-body", "buffer"]), false);
    assert.deepEqual(held.onRequestBody(bytes("a"), false), { action: "buffer" });
    assert.equal(dataOf(held.onRequestBody(bytes("b"), true)), "ab");

    const trailers = c.plugin.createStream();
    trailers.onRequestHeaders(request(["x-body", "buffer"]), false);
    trailers.onRequestBody(bytes("kept"), false);
    assert.equal(dataOf(trailers.onRequestTrailers(new HeaderList()) as BodyResult), "kept");

    const passing = c.plugin.createStream();
    passing.onRequestHeaders(request(), false);
    assert.equal(dataOf(passing.onRequestBody(bytes("as is"), true)), "as is");

    const refused = c.plugin.createStream();
    refused.onRequestHeaders(request(["x-body", "reply"]), false);
    assert.equal(replyOf(refused.onRequestBody(bytes("x"), true)).status, 422);

    const appended = c.plugin.createStream();
    appended.onRequestHeaders(request(["x-test", "response-append"]), true);
    appended.onResponseHeaders(responseHeaderMap(200, new HeaderList()), false);
    assert.deepEqual(appended.onResponseBody(bytes("done"), false), { action: "buffer" });
    assert.equal(dataOf(appended.onResponseBody(bytes(""), true)), "done!");
  });

  Deno.test(`component stream (${mode}): a held body past maxBodyBytes gets Envoy's 413`, async () => {
    await using c = await loadTestComponent("actions", mode, { limits: { maxBodyBytes: 8 } });
    const stream = c.plugin.createStream();
    stream.onRequestHeaders(request(["x-body", "buffer"]), false);
    assert.deepEqual(stream.onRequestBody(bytes("12345"), false), { action: "buffer" });
    const reply = replyOf(stream.onRequestBody(bytes("67890"), false));
    assert.deepEqual([reply.status, reply.details], [413, "request_payload_too_large"]);
  });

  Deno.test(`component stream (${mode}): properties, shared data with CAS, and logs reach the host`, async () => {
    const sharedData = new SharedData();
    await using c = await loadTestComponent("actions", mode, { sharedData, vmId: "vm1", logLevel: 1 });
    const props = request(["x-test", "props"], "/p/q?r=1");
    c.plugin.createStream({ routeName: "r1" }).onRequestHeaders(props, true);
    assert.equal(props.get("x-prop-path"), "/p/q?r=1");
    assert.equal(props.get("x-prop-plugin"), "actions");
    assert.equal(props.get("x-prop-missing"), "(none)");
    for (const expected of ["1", "2"]) {
      const map = request(["x-test", "shared"]);
      c.plugin.createStream().onRequestHeaders(map, true);
      assert.equal(map.get("x-hits"), expected);
      assert.equal(map.get("x-stale-cas"), "refused");
    }
    assert.equal(text(sharedData.get("vm1", "hits")!.value), "2");
    c.plugin.createStream().onRequestHeaders(request(["x-test", "log"], "/logged"), true);
    assert.deepEqual(
      c.log.filter((e) => e.message.startsWith("hello")).map((e) => [e.level, e.plugin, e.message]),
      [[2, "actions", "hello from the component: /logged"]],
    );
  });

  Deno.test(`component stream (${mode}): a trap fails the stream per failStrategy and the VM is recreated`, async () => {
    await using c = await loadTestComponent("actions", mode, { restart: { burst: 5, intervalMs: 60_000 } });
    const failed = replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "trap"]), true));
    assert.deepEqual([failed.status, failed.details], [503, "wasm_fail_stream"]);
    assert.equal(c.plugin.state, "failed");
    assert.match(c.plugin.lastError!, /unreachable/);
    assert.ok(c.log.some((e) => e.level === 5 && /VM failed/.test(e.message)));
    const map = request(["x-test", "echo", "x-in", "again"]);
    assert.equal(c.plugin.createStream().onRequestHeaders(map, true).action, "continue");
    assert.equal(map.get("x-echo"), "again");
    assert.equal(c.plugin.restarts, 1);
    assert.equal(c.plugin.state, "ready");
  });

  Deno.test(`component stream (${mode}): an endless loop runs out of fuel; FAIL_OPEN lets the request through`, async () => {
    await using c = await loadTestComponent("actions", mode, {
      failStrategy: "FAIL_OPEN",
      limits: { fuelPerCallback: 200_000 },
    });
    const stream = c.plugin.createStream();
    assert.deepEqual(stream.onRequestHeaders(request(["x-test", "loop"]), false), { action: "continue" });
    assert.match(c.plugin.lastError!, /fuel budget of 200000 exhausted/);
    assert.equal(dataOf(stream.onRequestBody(bytes("body"), true)), "body");
    stream.complete();
  });

  Deno.test(`component stream (${mode}): invalid replies and header names the component passes fail the VM`, async () => {
    await using c = await loadTestComponent("actions", mode, { restart: { burst: 5, intervalMs: 60_000 } });
    replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "bad-reply"]), true));
    assert.match(c.plugin.lastError!, /status 42 is not 200-599/);
    replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "bad-header"]), true));
    assert.match(c.plugin.lastError!, /invalid header name "bad name"/);
    replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "response-write"]), true));
    assert.match(c.plugin.lastError!, /response headers cannot be changed outside their hooks/);
    replyOf(c.plugin.createStream().onRequestHeaders(request(["x-test", "recurse"]), true));
    assert.match(c.plugin.lastError!, /call stack|fuel/);
    assert.equal(c.plugin.restarts, 3);
  });

  Deno.test(`component stream (${mode}): memory beyond maxMemoryBytes cannot be had; the request fails closed`, async () => {
    await using c = await loadTestComponent("actions", mode, { limits: { maxMemoryBytes: 1024 * 1024 } });
    const stream = c.plugin.createStream();
    stream.onRequestHeaders(request(["x-body", "upper"]), false);
    const reply = replyOf(stream.onRequestBody(new Uint8Array(3 * 1024 * 1024), true));
    assert.deepEqual([reply.status, reply.details], [503, "wasm_fail_stream"]);
    assert.equal(c.plugin.state, "failed");
    assert.match(c.plugin.lastError!, /unreachable/); // the guest's allocator gives up at the cap
    const small = c.plugin.createStream();
    small.onRequestHeaders(request(["x-body", "upper"]), false);
    assert.equal(dataOf(small.onRequestBody(bytes("ok"), true)), "OK");
  });

  Deno.test(`component stream (${mode}): a configure error refuses the plugin with the component's message`, async () => {
    await assert.rejects(
      () => loadTestComponent("actions", mode, { pluginConfig: { fail: true } }),
      (e: Error) =>
        e instanceof PluginLoadError && /Cannot configure the plugin: configured to fail/.test(e.message),
    );
    await assert.rejects(
      () => loadTestComponent("actions", mode, { pluginConfig: "not json" }),
      /must be a JSON object/,
    );
  });
}

Deno.test("component plugin: the direct path is the default for a component it can lower", async () => {
  await using c = await loadTestComponent("headers", "direct");
  assert.equal(c.plugin.mode, "direct");
  assert.equal(c.plugin.directRefusal, undefined);
});

Deno.test("component plugin: bytes that are not a component of the world are refused", async () => {
  const { loadComponentPlugin } = await import("../../../wasm/component/mod.ts");
  await assert.rejects(
    () => loadComponentPlugin(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff]), { name: "bad" }),
    PluginLoadError,
  );
});
