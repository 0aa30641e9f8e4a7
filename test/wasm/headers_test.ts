import assert from "node:assert/strict";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { CONTINUE, requestHeaderMap, takePseudoHeaders } from "../../wasm/mod.ts";
import { loadTestPlugin, requestHeaders, responseHeaders } from "../helpers/wasm.ts";

Deno.test("request headers: a filter adds, replaces and removes, and sees pseudo-headers", async () => {
  await using loaded = await loadTestPlugin("headers");
  const stream = loaded.plugin.createStream();
  const headers = requestHeaders({ path: "/a?b=1" }, [
    ["x-replace-me", "one"],
    ["x-replace-me", "two"],
    ["x-remove-me", "gone"],
    ["accept", "*/*"],
  ]);
  assert.equal(stream.onRequestHeaders(headers, true), CONTINUE);
  assert.deepEqual([...headers], [
    [":authority", "example.com"],
    [":path", "/a?b=1"],
    [":method", "GET"],
    [":scheme", "http"],
    ["x-replace-me", "replaced"],
    ["accept", "*/*"],
    ["x-wasm-added", "yes"],
    ["x-seen-path", "/a?b=1"],
  ]);
  assert.equal(stream.routeCacheCleared, true);
  stream.complete();
});

Deno.test("response headers: a filter adds, replaces and removes", async () => {
  await using loaded = await loadTestPlugin("headers");
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(requestHeaders(), true);
  const headers = responseHeaders(200, [["server", "upstream"], ["x-powered-by", "php"], [
    "content-type",
    "text/plain",
  ]]);
  assert.equal(stream.onResponseHeaders(headers, false), CONTINUE);
  assert.deepEqual([...headers], [
    [":status", "200"],
    ["server", "portcullis-wasm"],
    ["content-type", "text/plain"],
    ["x-wasm-response", "yes"],
  ]);
  stream.complete();
});

Deno.test("get_header_map_pairs and set_header_map_pairs round-trip the whole map", async () => {
  await using loaded = await loadTestPlugin("headers");
  const stream = loaded.plugin.createStream();
  const headers = requestHeaders({}, [["x-pairs", "1"], ["multi", "a"], ["multi", "b"], ["utf8", "héllo"]]);
  stream.onRequestHeaders(headers, true);
  const fields = [...headers];
  // replace_header_map_value adds a header that is not there (Envoy's setCopy).
  assert.deepEqual(fields.slice(0, 10), [
    [":authority", "example.com"],
    [":path", "/"],
    [":method", "GET"],
    [":scheme", "http"],
    ["x-pairs", "1"],
    ["multi", "a"],
    ["multi", "b"],
    ["utf8", "héllo"],
    ["x-wasm-added", "yes"],
    ["x-replace-me", "replaced"],
  ]);
  assert.deepEqual(fields.slice(-2), [["x-pairs-count", "11"], ["x-pairs-done", "1"]]);
  stream.complete();
});

Deno.test("requestHeaderMap folds host into :authority; takePseudoHeaders gives them back", () => {
  const map = requestHeaderMap(
    { method: "POST", path: "/x", authority: "a.example", scheme: "https" },
    new HeaderList(["host", "a.example", "accept", "*/*"]),
  );
  assert.deepEqual(map.fields, [
    ":authority",
    "a.example",
    ":path",
    "/x",
    ":method",
    "POST",
    ":scheme",
    "https",
    "accept",
    "*/*",
  ]);
  map.setValid(":path", "/rewritten");
  assert.deepEqual(takePseudoHeaders(map), {
    ":authority": "a.example",
    ":path": "/rewritten",
    ":method": "POST",
    ":scheme": "https",
  });
  assert.deepEqual(map.fields, ["accept", "*/*"]);
});
