import assert from "node:assert/strict";
import { CONTINUE, createFailedStream, FAIL_CLOSE_REPLY, type HeadersResult } from "../../wasm/mod.ts";
import { loadTestPlugin, requestHeaders, responseHeaders, waitFor } from "../helpers/wasm.ts";

function replyStatus(r: HeadersResult): number | undefined {
  return r.action === "reply" ? r.reply.status : undefined;
}

Deno.test("a trap fails the stream with 503 (FAIL_CLOSE) and the next request runs on a new VM", async () => {
  await using loaded = await loadTestPlugin("trap");
  const { plugin, log } = loaded;
  const bad = plugin.createStream();
  const result = bad.onRequestHeaders(requestHeaders({}, [["x-trap", "1"]]), true);
  assert.deepEqual(result, { action: "reply", reply: FAIL_CLOSE_REPLY });
  assert.equal(FAIL_CLOSE_REPLY.details, "wasm_fail_stream");
  assert.equal(plugin.state, "failed");
  assert.match(plugin.lastError!, /proxy_on_request_headers failed: trap: unreachable/);
  assert.ok(log.entries.some((e) => e.level === 5 && /unreachable/.test(e.message)));
  // Later callbacks of the failed stream do not reply twice.
  assert.equal(bad.onResponseHeaders(responseHeaders(503), true), CONTINUE);
  bad.complete();

  const good = plugin.createStream();
  const headers = requestHeaders();
  assert.equal(good.onRequestHeaders(headers, true), CONTINUE);
  assert.equal(headers.get("x-trap-ok"), "yes");
  assert.equal(plugin.state, "ready");
  assert.equal(plugin.restarts, 1);
  good.complete();
});

Deno.test("FAIL_OPEN lets the failed stream through", async () => {
  await using loaded = await loadTestPlugin("trap", { failStrategy: "FAIL_OPEN" });
  const stream = loaded.plugin.createStream();
  assert.equal(stream.onRequestHeaders(requestHeaders({}, [["x-trap", "1"]]), true), CONTINUE);
  assert.deepEqual(stream.onRequestBody(new Uint8Array([1, 2]), true), {
    action: "continue",
    data: new Uint8Array([1, 2]),
  });
  stream.complete();
});

Deno.test("an infinite loop traps within the fuel budget and the host keeps serving", async () => {
  await using loaded = await loadTestPlugin("trap", { limits: { fuelPerCallback: 2_000_000 } });
  const { plugin } = loaded;
  const started = performance.now();
  const result = plugin.createStream().onRequestHeaders(requestHeaders({}, [["x-loop", "1"]]), true);
  const elapsed = performance.now() - started;
  assert.equal(replyStatus(result), 503);
  assert.match(plugin.lastError!, /fuel budget of 2000000 exhausted/);
  assert.ok(elapsed < 1000, `the loop ran ${elapsed} ms`);
  const headers = requestHeaders();
  const next = plugin.createStream();
  assert.equal(next.onRequestHeaders(headers, true), CONTINUE);
  assert.equal(headers.get("x-trap-ok"), "yes");
  next.complete();
});

Deno.test("unbounded recursion, abort() and running out of capped memory are traps too", async () => {
  await using loaded = await loadTestPlugin("trap", {
    limits: { maxMemoryBytes: 4 * 1024 * 1024 },
    restart: { burst: 10 },
  });
  const { plugin } = loaded;
  for (
    const [header, error] of [
      ["x-recurse", /call stack|fuel/i],
      ["x-abort", /proc_exit\(255\)/],
      ["x-alloc", /trap/],
    ] as const
  ) {
    const stream = plugin.createStream();
    assert.equal(
      replyStatus(stream.onRequestHeaders(requestHeaders({}, [[header, "1"]]), true)),
      503,
      header,
    );
    assert.match(plugin.lastError!, error, header);
    stream.complete();
  }
  assert.ok(loaded.log.messages().some((m) => m === "abort: asked to abort"));
});

Deno.test("a trap in the response phase replies 503 once", async () => {
  await using loaded = await loadTestPlugin("trap");
  const stream = loaded.plugin.createStream();
  assert.equal(stream.onRequestHeaders(requestHeaders({}, [["x-trap-response", "1"]]), true), CONTINUE);
  assert.equal(replyStatus(stream.onResponseHeaders(responseHeaders(200), false)), 503);
  assert.deepEqual(stream.onResponseBody(new Uint8Array([7]), true), {
    action: "continue",
    data: new Uint8Array([7]),
  });
  stream.complete();
});

Deno.test("restarts are rate-limited: past the burst, streams fail until a token is earned", async () => {
  await using loaded = await loadTestPlugin("trap", { restart: { burst: 1, intervalMs: 150 } });
  const { plugin } = loaded;
  const trap = () => plugin.createStream().onRequestHeaders(requestHeaders({}, [["x-trap", "1"]]), true);
  assert.equal(replyStatus(trap()), 503); // first VM fails
  assert.equal(replyStatus(trap()), 503); // restarted with the one token, fails again
  assert.equal(plugin.restarts, 1);
  const stream = plugin.createStream(); // no token: no VM
  assert.equal(stream.id, 0);
  assert.equal(replyStatus(stream.onRequestHeaders(requestHeaders(), true)), 503);
  assert.equal(plugin.state, "failed");
  await waitFor(() => plugin.state === "ready", 2000); // the background restart after the refill
  assert.equal(plugin.restarts, 2);
  const headers = requestHeaders();
  plugin.createStream().onRequestHeaders(headers, true);
  assert.equal(headers.get("x-trap-ok"), "yes");
});

Deno.test("a plugin that could not load: its streams reply 503 (FAIL_CLOSE) or pass (FAIL_OPEN)", () => {
  const closed = createFailedStream({ name: "broken" });
  assert.deepEqual(closed.onRequestHeaders(requestHeaders(), true), {
    action: "reply",
    reply: FAIL_CLOSE_REPLY,
  });
  closed.complete();
  const open = createFailedStream({ name: "broken", failStrategy: "FAIL_OPEN" });
  assert.equal(open.onRequestHeaders(requestHeaders(), true), CONTINUE);
  open.complete();
});
