import assert from "node:assert/strict";
import { CONTINUE, RESET } from "../../wasm/mod.ts";
import { loadTestPlugin, requestHeaders, text } from "../helpers/wasm.ts";

Deno.test("send_local_response answers the stream with status, body, headers and details", async () => {
  await using loaded = await loadTestPlugin("local_reply");
  const stream = loaded.plugin.createStream();
  const result = stream.onRequestHeaders(requestHeaders({ path: "/deny/me" }), true);
  assert.equal(result.action, "reply");
  if (result.action !== "reply") return;
  assert.equal(result.reply.status, 403);
  assert.equal(result.reply.details, "wasm_denied");
  assert.equal(text(result.reply.body), "denied by wasm\n");
  assert.deepEqual([...result.reply.headers], [["x-denied", "yes"], ["content-type", "text/plain"]]);
  assert.equal(result.reply.grpcStatus, undefined);
  stream.complete();
});

Deno.test("a local reply carries the gRPC status the filter gave", async () => {
  await using loaded = await loadTestPlugin("local_reply");
  const stream = loaded.plugin.createStream();
  const result = stream.onRequestHeaders(requestHeaders({ path: "/grpc-deny" }), true);
  assert.equal(result.action === "reply" && result.reply.grpcStatus, 7);
  stream.complete();
});

Deno.test("other paths continue; close_stream resets; continue_stream inside the callback wins over a stop", async () => {
  await using loaded = await loadTestPlugin("local_reply");
  const { plugin } = loaded;
  const plain = plugin.createStream();
  assert.equal(plain.onRequestHeaders(requestHeaders({ path: "/ok" }), true), CONTINUE);
  plain.complete();
  const reset = plugin.createStream();
  assert.equal(reset.onRequestHeaders(requestHeaders({ path: "/reset" }), true), RESET);
  reset.complete();
  const early = plugin.createStream();
  assert.equal(early.onRequestHeaders(requestHeaders({ path: "/continue-early" }), true), CONTINUE);
  early.complete();
});
