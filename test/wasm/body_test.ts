import assert from "node:assert/strict";
import { BUFFERING } from "../../wasm/mod.ts";
import { bytes, loadTestPlugin, requestHeaders, responseHeaders, text } from "../helpers/wasm.ts";

Deno.test("request body: chunks are held until the end, then rewritten as a whole", async () => {
  await using loaded = await loadTestPlugin("body");
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  assert.equal(stream.onRequestBody(bytes("hello "), false), BUFFERING);
  assert.equal(stream.onRequestBody(bytes("world, "), false), BUFFERING);
  const result = stream.onRequestBody(bytes("hello again"), true);
  assert.equal(result.action, "continue");
  if (result.action === "continue") assert.equal(text(result.data), "HELLO world, HELLO again");
  stream.complete();
});

Deno.test("request body: forbidden content is answered with 400", async () => {
  await using loaded = await loadTestPlugin("body");
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  const result = stream.onRequestBody(bytes("this is forbidden"), true);
  assert.equal(result.action === "reply" && result.reply.status, 400);
  stream.complete();
});

Deno.test("response body: appended at the end, content-length dropped", async () => {
  await using loaded = await loadTestPlugin("body");
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(requestHeaders(), true);
  const headers = responseHeaders(200, [["content-length", "5"]]);
  stream.onResponseHeaders(headers, false);
  assert.equal(headers.has("content-length"), false);
  assert.equal(stream.onResponseBody(bytes("page"), false), BUFFERING);
  const result = stream.onResponseBody(bytes("!"), true);
  assert.equal(result.action === "continue" && text(result.data), "page!<!-- inspected by wasm -->");
  stream.complete();
});

Deno.test("a buffering filter past maxBodyBytes gets Envoy's 413 (request) or 500 (response)", async () => {
  await using loaded = await loadTestPlugin("body", { limits: { maxBodyBytes: 8 } });
  const request = loaded.plugin.createStream();
  request.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  assert.equal(request.onRequestBody(bytes("12345"), false), BUFFERING);
  const over = request.onRequestBody(bytes("67890"), false);
  assert.equal(
    over.action === "reply" && `${over.reply.status} ${over.reply.details}`,
    "413 request_payload_too_large",
  );
  request.complete();
  const response = loaded.plugin.createStream();
  response.onRequestHeaders(requestHeaders(), true);
  response.onResponseHeaders(responseHeaders(), false);
  response.onResponseBody(bytes("12345"), false);
  const tooBig = response.onResponseBody(bytes("67890"), false);
  assert.equal(tooBig.action === "reply" && tooBig.reply.status, 500);
  response.complete();
});

Deno.test("a filter without body callbacks passes chunks through untouched", async () => {
  await using loaded = await loadTestPlugin("headers");
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  const chunk = bytes("as is");
  assert.deepEqual(stream.onRequestBody(chunk, false), { action: "continue", data: chunk });
  stream.complete();
});
