import assert from "node:assert/strict";
import { FilterHost, LogLevel } from "../../filters/testing/mod.ts";

const PROBE = new URL("../../filters/testdata/sdk/probe/", import.meta.url);

Deno.test("sdk: configuration JSON (escapes, numbers, nesting) reaches onConfigure; invalid JSON fails the plugin", async () => {
  await using host = await FilterHost.load(PROBE, {
    config:
      `{"text": "a\\"b\\\\ \\u00e9\\n", "n": -1.5e2, "list": [1, "x", true, null, []], "nested": {"k": {"deep": false}}}`,
  });
  assert.equal(
    host.shared("config"),
    '{text=s:a"b\\ é\n,n=n:-150.0,list=[n:1.0,s:x,true,null,[]],nested={k={deep=false}}}',
  );
  for (const bad of ['{"a": }', '{"a": 1,}', '["unterminated', '{"a": "\\q"}', "[1] 2", '{"a": tru}']) {
    await assert.rejects(FilterHost.load(PROBE, { config: bad }), /bad config: .* at offset \d+/, bad);
  }
});

Deno.test("sdk: headers, properties, shared data with CAS across VMs, metrics and logs", async () => {
  await using host = await FilterHost.load(PROBE, { name: "probe" });
  await using sibling = await FilterHost.load(PROBE, { name: "probe", shareWith: host });
  const first = host.stream({ source: "10.1.1.1:4321", routeName: "web" });
  assert.equal(first.sendRequestHeaders({ ":path": "/x", a: "1", b: "2" }).action, "continue");
  assert.equal(first.requestHeader("x-source"), "10.1.1.1:4321");
  assert.equal(first.requestHeader("x-source-port"), "4321");
  assert.equal(first.requestHeader("x-route"), "web");
  assert.equal(first.requestHeader("x-count"), "1");
  assert.equal(first.requestHeader("x-header-count"), "10", "4 pseudo-headers, 2 given, 4 set by the filter");
  first.sendResponseHeaders(201);
  assert.equal(first.responseHeader("x-status-seen"), "201");
  first.complete();
  const second = sibling.stream();
  second.sendRequestHeaders({});
  assert.equal(second.requestHeader("x-count"), "2", "shared data is shared by the VMs");
  assert.equal(second.requestHeader("x-route"), "<none>");
  second.complete();
  assert.equal(host.metric("probe_requests"), 2);
  assert.equal(host.metric("probe_in_flight"), 0);
  assert.deepEqual(host.messages(LogLevel.Info), ["log: 201"]);
});

Deno.test("sdk: a local reply carries status, body, headers and details", async () => {
  await using host = await FilterHost.load(PROBE);
  const stream = host.stream();
  const r = stream.sendRequestHeaders({ ":path": "/deny" });
  assert.deepEqual(r, {
    action: "reply",
    reply: {
      status: 418,
      body: "no tea\n",
      headers: { "x-why": "teapot" },
      details: "probe_denied",
      grpcStatus: undefined,
    },
  });
});

Deno.test("sdk: httpCall from a stream pauses it; the answer reaches the stream's onHttpCallResponse, which resumes or denies", async () => {
  await using host = await FilterHost.load(PROBE, { clusters: ["auth"] });
  const ok = host.stream();
  assert.equal(ok.sendRequestHeaders({ ":path": "/call", authorization: "Bearer t" }).action, "pause");
  const call = host.nextHttpCall();
  assert.equal(call.cluster, "auth");
  assert.deepEqual(call.headers, {
    ":method": "POST",
    ":path": "/check",
    ":authority": "auth",
    authorization: "Bearer t",
    "content-length": "4",
  });
  assert.equal(call.body, "who?");
  assert.equal(call.timeoutMs, 1000);
  await call.respond(200, { "x-user": "alice" }, "fine");
  assert.deepEqual(await ok.resumed(), { action: "continue" });
  assert.equal(ok.requestHeader("x-user"), "alice");
  assert.equal(ok.requestHeader("x-auth-body"), "fine");

  const denied = host.stream();
  denied.sendRequestHeaders({ ":path": "/call" });
  await host.nextHttpCall().respond(401, {}, "bad token");
  const d = await denied.resumed();
  assert.equal(d.action === "reply" && d.reply.body, "denied: bad token");

  const failed = host.stream();
  failed.sendRequestHeaders({ ":path": "/call" });
  await host.nextHttpCall().fail();
  const f = await failed.resumed();
  assert.equal(f.action === "reply" && f.reply.status, 503);

  const timedOut = host.stream();
  timedOut.sendRequestHeaders({ ":path": "/call" });
  const late = host.nextHttpCall();
  host.clock.advance(1000);
  const t = await timedOut.resumed();
  assert.equal(t.action === "reply" && t.reply.status, 503, "the fake clock fires the call's timeout");
  assert.equal(late.settled, true);
  await assert.rejects(late.respond(200), /already over/);
});

Deno.test("sdk: an unknown cluster makes httpCall return 0 at once", async () => {
  await using host = await FilterHost.load(PROBE, { clusters: ["elsewhere"] });
  const r = host.stream().sendRequestHeaders({ ":path": "/call" });
  assert.equal(r.action === "reply" && r.reply.body, "call refused\n");
  assert.equal(host.httpCalls.length, 0);
});

Deno.test("sdk: timers tick on the fake clock; a root context's call is answered to the root", async () => {
  await using host = await FilterHost.load(PROBE, { config: { tickMs: 100 } });
  const start = host.clock.nowMs;
  host.clock.advance(99);
  assert.equal(host.shared("last-tick"), undefined);
  host.clock.advance(1);
  assert.equal(host.shared("last-tick"), String(start + 100));
  await host.nextHttpCall().respond(200, {}, "42 requests");
  assert.equal(host.shared("tick-answer"), "200 42 requests");
  host.clock.advance(250);
  assert.equal(host.shared("last-tick"), String(start + 300), "each tick at its own time");
  assert.equal(host.httpCalls.length, 3);
  await host.httpCalls[1].fail();
  assert.equal(host.shared("tick-answer"), "failed");
});

Deno.test("sdk: shared queues: one VM registers, another enqueues, the first drains in onQueueReady", async () => {
  await using consumer = await FilterHost.load(PROBE, { config: { consumer: true }, vmId: "v" });
  await using producer = await FilterHost.load(PROBE, { shareWith: consumer, vmId: "v" });
  for (const item of ["a", "b"]) {
    const s = producer.stream();
    s.sendRequestHeaders({ "x-enqueue": item });
    assert.equal(s.requestHeader("x-enqueued"), "0");
  }
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(consumer.shared("events-seen"), "a,b");
});

Deno.test("sdk: bodies: a request body held until its end and replaced; a response body appended to", async () => {
  await using host = await FilterHost.load(PROBE);
  const stream = host.stream();
  stream.sendRequestHeaders({ ":method": "POST" }, { endOfStream: false });
  assert.deepEqual(stream.sendRequestBody("hello ", false), { action: "buffer" });
  assert.deepEqual(stream.sendRequestBody("world", true), { action: "continue", data: "HELLO WORLD" });
  stream.sendResponseHeaders(200, {}, { endOfStream: false });
  assert.deepEqual(stream.sendResponseBody("<p>", true), { action: "continue", data: "<p><!-- probe -->" });
  assert.equal(host.metrics.byName("probe_body_bytes")?.type, 2);
  assert.equal(host.metric("probe_body_bytes"), 1);
});
