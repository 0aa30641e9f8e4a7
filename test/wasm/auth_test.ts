import assert from "node:assert/strict";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import type { CalloutRequest, CalloutResponse, HeadersResult, HttpCallout } from "../../wasm/mod.ts";
import { bytes, loadTestPlugin, requestHeaders, text } from "../helpers/wasm.ts";

/** An "auth" cluster that allows the token "good" as user "alice". */
function authService(seen: CalloutRequest[]): HttpCallout {
  return (request) => {
    if (request.cluster !== "auth") return undefined;
    seen.push(request);
    const ok = request.headers.get("authorization") === "good";
    return Promise.resolve<CalloutResponse>({
      status: ok ? 200 : 403,
      headers: new HeaderList(["content-type", "text/plain"]),
      body: bytes(ok ? "alice" : "bad token"),
    });
  };
}

async function settle(result: HeadersResult) {
  assert.equal(result.action, "pause", "the filter waits for the call");
  return result.action === "pause" ? await result.resumed : result;
}

Deno.test("auth: the stream pauses, the call goes out, and an allowed request resumes with the user", async () => {
  const seen: CalloutRequest[] = [];
  await using loaded = await loadTestPlugin("auth", { callout: authService(seen) });
  const stream = loaded.plugin.createStream();
  const headers = requestHeaders({ path: "/private" }, [["authorization", "good"]]);
  assert.deepEqual(await settle(stream.onRequestHeaders(headers, true)), { action: "continue" });
  assert.equal(headers.get("x-auth-user"), "alice");
  assert.equal(seen.length, 1);
  assert.deepEqual([...seen[0].headers], [
    [":method", "GET"],
    [":path", "/check"],
    [":authority", "auth.local"],
    ["authorization", "good"],
  ]);
  assert.equal(seen[0].timeoutMs, 1000);
  stream.complete();
});

Deno.test("auth: a denied request gets the filter's 403", async () => {
  await using loaded = await loadTestPlugin("auth", { callout: authService([]) });
  const stream = loaded.plugin.createStream();
  const outcome = await settle(
    stream.onRequestHeaders(requestHeaders({}, [["authorization", "evil"]]), true),
  );
  assert.equal(outcome.action, "reply");
  if (outcome.action === "reply") {
    assert.equal(outcome.reply.status, 403);
    assert.equal(text(outcome.reply.body), "denied: bad token\n");
  }
  stream.complete();
});

Deno.test("auth: a failed call reaches the filter as no headers (503); a timeout too", async () => {
  const failing: HttpCallout = () => Promise.reject(new Error("connect refused"));
  await using refused = await loadTestPlugin("auth", { callout: failing });
  const a = refused.plugin.createStream();
  const outcome = await settle(a.onRequestHeaders(requestHeaders({}, [["authorization", "good"]]), true));
  assert.equal(outcome.action === "reply" && outcome.reply.status, 503);
  a.complete();

  let aborted: unknown;
  const hanging: HttpCallout = (request) =>
    new Promise((_, reject) =>
      request.signal.addEventListener("abort", () => reject(aborted = request.signal.reason))
    );
  await using slow = await loadTestPlugin("auth", { callout: hanging, pluginConfig: "30" });
  const b = slow.plugin.createStream();
  const started = performance.now();
  const timedOut = await settle(b.onRequestHeaders(requestHeaders({}, [["authorization", "good"]]), true));
  assert.equal(timedOut.action === "reply" && timedOut.reply.status, 503);
  assert.ok(performance.now() - started < 1000);
  assert.equal((aborted as DOMException).name, "TimeoutError");
  b.complete();
});

Deno.test("auth: an unknown cluster is BAD_ARGUMENT at once; no credentials is 401 without a call", async () => {
  await using loaded = await loadTestPlugin("auth", { callout: () => undefined });
  const a = loaded.plugin.createStream();
  const result = a.onRequestHeaders(requestHeaders({}, [["authorization", "x"]]), true);
  assert.equal(result.action === "reply" && text(result.reply.body), "http_call status 2\n");
  a.complete();
  const b = loaded.plugin.createStream();
  const missing = b.onRequestHeaders(requestHeaders(), true);
  assert.equal(missing.action === "reply" && missing.reply.status, 401);
  b.complete();
});

Deno.test("auth: a stream that completes while paused settles as a reset", async () => {
  await using loaded = await loadTestPlugin("auth", {
    callout: (r) =>
      new Promise((_, reject) => r.signal.addEventListener("abort", () => reject(r.signal.reason))),
  });
  const stream = loaded.plugin.createStream();
  const result = stream.onRequestHeaders(requestHeaders({}, [["authorization", "good"]]), true);
  assert.equal(result.action, "pause");
  stream.complete();
  if (result.action === "pause") assert.deepEqual(await result.resumed, { action: "reset" });
});

Deno.test("auth: streams waiting on their calls fail with the VM (FAIL_CLOSE 503, FAIL_OPEN continue)", async () => {
  const hanging: HttpCallout = (r) =>
    new Promise((_, reject) => r.signal.addEventListener("abort", () => reject(r.signal.reason)));
  for (const [failStrategy, expected] of [["FAIL_CLOSE", "reply"], ["FAIL_OPEN", "continue"]] as const) {
    await using loaded = await loadTestPlugin("auth", { callout: hanging, failStrategy });
    const waiting = loaded.plugin.createStream();
    const paused = waiting.onRequestHeaders(requestHeaders({}, [["authorization", "good"]]), true);
    assert.equal(paused.action, "pause");
    const trapping = loaded.plugin.createStream();
    trapping.onRequestHeaders(requestHeaders({}, [["x-trap", "1"]]), true);
    if (paused.action === "pause") assert.equal((await paused.resumed).action, expected, failStrategy);
    waiting.complete();
    trapping.complete();
  }
});
