import assert from "node:assert/strict";
import {
  BatchSpanExporter,
  encodeOtlpJson,
  encodeZipkinJson,
  type ExporterOptions,
  type ExportRequest,
  type FinishedSpan,
  type Timers,
} from "../../../gateway/telemetry/tracing/mod.ts";

/** Timers that fire only when the test advances the clock. */
class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  #pending = new Map<number, { at: number; callback: () => void }>();

  set(callback: () => void, ms: number): number {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + ms, callback });
    return id;
  }

  clear(id: unknown): void {
    this.#pending.delete(id as number);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Moves the clock, firing due timers in order, then lets promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (let guard = 0; guard < 1000; guard++) {
      const due = [...this.#pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
      await settle();
    }
    this.now = until;
    await settle();
  }
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function span(i: number): FinishedSpan {
  return {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: i.toString(16).padStart(16, "0"),
    traceState: "",
    name: `span ${i}`,
    kind: "server",
    startMs: 1_700_000_000_000.5,
    endMs: 1_700_000_000_002.25,
    tags: new Map([["http.status_code", "200"]]),
  };
}

/** A transport recording requests; `reply` decides each answer. */
function transport(reply: (req: ExportRequest) => Promise<number> = () => Promise.resolve(200)) {
  const requests: { spans: number; req: ExportRequest }[] = [];
  return {
    requests,
    send: (req: ExportRequest) => {
      requests.push({ spans: JSON.parse(new TextDecoder().decode(req.body)).length, req });
      return reply(req);
    },
  };
}

function exporter(t: ReturnType<typeof transport>, timers: FakeTimers, over: Partial<ExporterOptions> = {}) {
  return new BatchSpanExporter({
    cluster: "outbound|4318||collector",
    authority: "collector",
    path: "/v1/traces",
    headers: [["x-token", "t"]],
    timeoutMs: 1000,
    encode: (spans) => ({
      contentType: "application/json",
      body: new TextEncoder().encode(JSON.stringify(spans)),
    }),
    transport: t.send,
    timers,
    ...over,
  });
}

Deno.test("exporter: a batch goes out at 5 spans, or 5 s after the first one", async () => {
  const timers = new FakeTimers();
  const t = transport();
  const e = exporter(t, timers);
  for (let i = 0; i < 4; i++) e.add(span(i));
  await settle();
  assert.equal(t.requests.length, 0);
  e.add(span(4));
  await settle();
  assert.deepEqual(t.requests.map((r) => r.spans), [5]);
  const req = t.requests[0].req;
  assert.equal(req.cluster, "outbound|4318||collector");
  assert.deepEqual(req.headers, [["content-type", "application/json"], ["x-token", "t"]]);
  e.add(span(5));
  await timers.advance(4999);
  assert.equal(t.requests.length, 1);
  await timers.advance(1);
  assert.deepEqual(t.requests.map((r) => r.spans), [5, 1]);
  assert.deepEqual(e.stats, { sent: 6, dropped: 0, failed: 0, requests: 2 });
  assert.equal(timers.pending, 0, "an idle exporter holds no timer");
});

Deno.test("exporter: the queue is bounded (drops counted) and batches are split", async () => {
  const timers = new FakeTimers();
  let release!: (status: number) => void;
  const t = transport(() => new Promise((r) => (release = r)));
  const e = exporter(t, timers, { maxQueue: 10, maxBatch: 4, minFlush: 1 });
  e.add(span(0)); // goes out at once and hangs
  for (let i = 1; i <= 12; i++) e.add(span(i));
  assert.equal(e.queued, 10);
  assert.equal(e.stats.dropped, 2);
  release(200);
  await settle();
  for (let round = 0; round < 3; round++) {
    release(200);
    await settle();
  }
  assert.deepEqual(t.requests.map((r) => r.spans), [1, 4, 4, 2]);
  assert.deepEqual(e.stats, { sent: 11, dropped: 2, failed: 0, requests: 4 });
});

Deno.test("exporter: a hanging collector times out, errors are counted, nothing is retried", async () => {
  const timers = new FakeTimers();
  let aborted = 0;
  const t = transport((req) =>
    new Promise((_, reject) =>
      req.signal.addEventListener("abort", () => {
        aborted++;
        reject(new Error("aborted"));
      })
    )
  );
  const e = exporter(t, timers);
  for (let i = 0; i < 5; i++) e.add(span(i));
  await settle();
  await timers.advance(999);
  assert.equal(e.stats.failed, 0);
  await timers.advance(1);
  assert.equal(aborted, 1, "the export was cancelled");
  assert.deepEqual(e.stats, { sent: 0, dropped: 0, failed: 5, requests: 1 });
  assert.match(e.lastError!, /timed out after 1000 ms/);

  const refused = exporter(transport(() => Promise.resolve(503)), timers);
  for (let i = 0; i < 5; i++) refused.add(span(i));
  await settle();
  assert.deepEqual(refused.stats, { sent: 0, dropped: 0, failed: 5, requests: 1 });
  assert.equal(refused.lastError, "collector answered 503");
});

Deno.test("exporter: close sends what is left, bounded by one timeout, then drops", async () => {
  const timers = new FakeTimers();
  const t = transport();
  const e = exporter(t, timers);
  e.add(span(0));
  e.add(span(1));
  await e.close();
  assert.deepEqual(t.requests.map((r) => r.spans), [2]);
  e.add(span(2));
  assert.equal(e.stats.dropped, 1);

  const hung = exporter(transport(() => new Promise(() => {})), timers, { minFlush: 100 });
  hung.add(span(0));
  const closing = hung.close();
  await timers.advance(1000);
  await closing;
  assert.equal(hung.stats.failed, 1, "the export in flight is abandoned at the deadline");
});

Deno.test("encoding: OTLP JSON and Zipkin v2 JSON", () => {
  const s: FinishedSpan = { ...span(1), parentSpanId: "00f067aa0ba902b7", traceState: "k=v" };
  const error: FinishedSpan = { ...span(2), kind: "client", tags: new Map([["http.status_code", "404"]]) };
  const otlp = JSON.parse(encodeOtlpJson([s, error], {
    attributes: [["service.name", "istio-ingressgateway.istio-system"]],
    scopeName: "portcullis",
  }));
  const rs = otlp.resourceSpans[0];
  assert.deepEqual(rs.resource.attributes, [
    { key: "service.name", value: { stringValue: "istio-ingressgateway.istio-system" } },
  ]);
  assert.equal(rs.scopeSpans[0].scope.name, "portcullis");
  assert.deepEqual(rs.scopeSpans[0].spans[0], {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "0000000000000001",
    parentSpanId: "00f067aa0ba902b7",
    traceState: "k=v",
    name: "span 1",
    kind: 2,
    startTimeUnixNano: "1700000000000500000",
    endTimeUnixNano: "1700000000002250000",
    attributes: [{ key: "http.status_code", value: { stringValue: "200" } }],
  });
  assert.equal(rs.scopeSpans[0].spans[1].kind, 3);
  const odd: FinishedSpan = { ...span(3), name: 'say "hi"', tags: new Map([["q", 'a"b\\c\n'], ["é", "ü"]]) };
  const escaped = JSON.parse(encodeOtlpJson([odd], { attributes: [], scopeName: "p" }));
  const oddSpan = escaped.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(oddSpan.name, 'say "hi"');
  assert.deepEqual(oddSpan.attributes, [
    { key: "q", value: { stringValue: 'a"b\\c\n' } },
    { key: "é", value: { stringValue: "ü" } },
  ]);
  assert.deepEqual(rs.scopeSpans[0].spans[1].status, { code: 2 }, "a client 4xx is an error");

  const zipkin = JSON.parse(encodeZipkinJson([s], "istio-ingressgateway.istio-system"));
  assert.deepEqual(zipkin, [{
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    parentId: "00f067aa0ba902b7",
    id: "0000000000000001",
    kind: "SERVER",
    name: "span 1",
    timestamp: 1_700_000_000_000_500,
    duration: 1750,
    localEndpoint: { serviceName: "istio-ingressgateway.istio-system" },
    tags: { "http.status_code": "200" },
  }]);
});
