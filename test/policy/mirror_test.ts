import assert from "node:assert/strict";
import type { MirrorTarget } from "../../gateway/compile/types.ts";
import { loadConfigTexts } from "../../gateway/config/load.ts";
import {
  MirrorDropped,
  type MirrorOutcome,
  mirrorRequest,
  MirrorStats,
  planMirrors,
  type SendUpstream,
  shadowAuthority,
  teeRequestBody,
} from "../../gateway/policy/mirror.ts";
import { sendUpstreamHttp1 as sendUpstream } from "../../gateway/proxy/http1/mod.ts";
import { corpusPath } from "../helpers/corpus.ts";
import { freePort } from "../helpers/net.ts";
import { HeaderList } from "../../gateway/proxy/header_list.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function target(cluster: string, percentage: number): MirrorTarget {
  return { cluster, host: cluster, percentage };
}

function streamOf(...pieces: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

/** A body of `total` bytes, produced only as it is read. */
function generated(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(chunk, total - sent);
      c.enqueue(new Uint8Array(n).fill(97));
      sent += n;
    },
  }, { highWaterMark: 0 });
}

async function readAll(body: ReadableStream<Uint8Array> | null): Promise<string> {
  let out = "";
  for await (const chunk of body ?? []) out += dec.decode(chunk, { stream: true });
  return out;
}

async function countBytes(body: ReadableStream<Uint8Array> | null): Promise<number> {
  let n = 0;
  for await (const chunk of body ?? []) n += chunk.length;
  return n;
}

Deno.test("mirror: planMirrors rolls each target's percentage once, in order", () => {
  const targets = [target("a", 100), target("b", 50), target("c", 0.0001), target("d", 0)];
  const rolls = [0.999999, 0.4999, 0, 0];
  let i = 0;
  const planned = planMirrors(targets, () => rolls[i++]);
  assert.equal(i, 4);
  assert.deepEqual(planned.map((t) => t.cluster), ["a", "b", "c"]);
  assert.deepEqual(planMirrors(targets, () => 0.5).map((t) => t.cluster), ["a"]);
  assert.deepEqual(planMirrors([], Math.random), []);
});

Deno.test("mirror: istio.io mirroring task (mirror v2 at mirrorPercent 100) copies every request", () => {
  const file = corpusPath("istio.io/mirroring/mirroring-2-mirror-v2.yaml");
  const { config } = loadConfigTexts([{ file, text: Deno.readTextFileSync(file) }]);
  const rule = config.virtualServices[0].spec.http![0];
  assert.deepEqual(rule.mirror, { host: "httpbin", subset: "v2" });
  const percentage = rule.mirrorPercentage?.value ?? rule.mirrorPercent ?? 100;
  const targets = [{
    cluster: "outbound|8000|v2|httpbin.default.svc.cluster.local",
    host: "httpbin",
    percentage,
  }];
  for (const r of [0, 0.5, 0.999999]) assert.equal(planMirrors(targets, () => r).length, 1);
});

Deno.test("mirror: shadowAuthority appends -shadow before the port, as Envoy", () => {
  assert.equal(shadowAuthority("a.com:8080"), "a.com-shadow:8080");
  assert.equal(shadowAuthority("a.com"), "a.com-shadow");
  assert.equal(
    shadowAuthority("httpbin.default.svc.cluster.local"),
    "httpbin.default.svc.cluster.local-shadow",
  );
  assert.equal(shadowAuthority("10.0.0.1:80"), "10.0.0.1-shadow:80");
  assert.equal(shadowAuthority("[::1]:8080"), "[::1]-shadow:8080");
  assert.equal(shadowAuthority("[::1]"), "[::1]-shadow");
});

Deno.test("mirror: teeRequestBody gives the primary and each mirror the same bytes", async () => {
  const { primary, mirrors } = teeRequestBody(streamOf("hello ", "mirror ", "world"), 2);
  const [p, m1, m2] = await Promise.all([readAll(primary), readAll(mirrors[0]), readAll(mirrors[1])]);
  assert.equal(p, "hello mirror world");
  assert.equal(m1, p);
  assert.equal(m2, p);
});

Deno.test("mirror: teeRequestBody with no body or no mirrors passes the body through", () => {
  assert.deepEqual(teeRequestBody(null, 2), { primary: null, mirrors: [null, null] });
  const body = streamOf("x");
  const { primary, mirrors } = teeRequestBody(body, 0);
  assert.equal(primary, body);
  assert.deepEqual(mirrors, []);
});

Deno.test("mirror: a mirror that does not read is dropped past its bound; the primary gets everything", async () => {
  const total = 4 * 1024 * 1024;
  const { primary, mirrors } = teeRequestBody(generated(total), 2, { maxBufferBytes: 256 * 1024 });
  const fast = countBytes(mirrors[1]);
  assert.equal(await countBytes(primary), total); // never waits on the stalled mirror
  assert.equal(await fast, total);
  const reader = mirrors[0]!.getReader();
  await assert.rejects(async () => {
    while (!(await reader.read()).done) { /* drain what was queued */ }
  }, MirrorDropped);
});

Deno.test("mirror: the source is read at the primary's pace, not the mirror's", async () => {
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      if (pulled > 100) c.close();
      else c.enqueue(new Uint8Array(10));
    },
  }, { highWaterMark: 0 });
  const { primary, mirrors } = teeRequestBody(source, 1);
  const mirrorDone = countBytes(mirrors[0]); // an eager mirror
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(pulled, 0); // the primary has not read yet: nothing is pulled for the mirror alone
  assert.equal(await countBytes(primary), 1000);
  assert.equal(await mirrorDone, 1000);
});

Deno.test("mirror: when the primary stops reading early, unfinished mirrors are dropped", async () => {
  const { primary, mirrors } = teeRequestBody(generated(1024 * 1024, 1024), 1);
  const reader = primary!.getReader();
  await reader.read();
  await reader.cancel("upstream gone");
  const m = mirrors[0]!.getReader();
  await assert.rejects(async () => {
    while (!(await m.read()).done) { /* queued chunks, then the error */ }
  }, MirrorDropped);
});

Deno.test("mirror: a failing body source fails the primary and drops the mirrors", async () => {
  let n = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n++ === 0) c.enqueue(enc.encode("part"));
      else c.error(new Error("client reset"));
    },
  });
  const { primary, mirrors } = teeRequestBody(source, 1);
  await assert.rejects(readAll(primary), /client reset/);
  await assert.rejects(readAll(mirrors[0]), MirrorDropped);
});

Deno.test("mirror: mirrorRequest copies headers with the -shadow host, discards the answer, swallows errors", async () => {
  const stats = new MirrorStats();
  const seen: { host: string | null; path: string; method: string }[] = [];
  let cancelled = false;
  const ok: SendUpstream = (req) => {
    seen.push({ host: req.headers.get("host"), path: req.path, method: req.method });
    const body = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
    return Promise.resolve({ status: 500, headers: new HeaderList(), body });
  };
  const headers = HeaderList.from({ host: "a.com:8080", "x-request-id": "r1" });
  assert.equal(
    await mirrorRequest(ok, { address: "10.0.0.9", port: 80 }, "GET", "/p?q=1", headers, null, { stats }),
    "ok",
  );
  assert.deepEqual(seen, [{ host: "a.com-shadow:8080", path: "/p?q=1", method: "GET" }]);
  assert.equal(headers.get("host"), "a.com:8080"); // the primary's headers are not touched
  assert.equal(cancelled, true);
  const failing: SendUpstream = () => Promise.reject(new Error("connection refused"));
  assert.equal(
    await mirrorRequest(failing, { address: "x", port: 1 }, "GET", "/", headers, null, { stats }),
    "failed",
  );
  assert.deepEqual({ ...stats }, { started: 2, succeeded: 1, failed: 1, dropped: 0 });
});

// ---- with real sockets -------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  path: string;
  host: string | null;
  body: string;
}

/** Starts an upstream on 127.0.0.1; `handler` defaults to recording the request and answering `name`. */
function upstream(name: string, handler?: (req: Request) => Promise<Response>) {
  const seen: Recorded[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (handler) return await handler(req);
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      host: req.headers.get("host"),
      body: await req.text(),
    });
    return new Response(`${name}:${seen.at(-1)!.body.length}`, { headers: { "x-upstream": name } });
  });
  return { port: server.addr.port, seen, close: () => server.shutdown() };
}

/** What the lead's request path does: tee the body, fire the mirrors, send the primary. */
async function forwardWithMirrors(
  primaryPort: number,
  mirrorPorts: number[],
  method: string,
  path: string,
  headers: HeaderList,
  body: ReadableStream<Uint8Array> | null,
  stats: MirrorStats,
  maxBufferBytes?: number,
): Promise<{ status: number; text: string; elapsedMs: number; mirrors: Promise<MirrorOutcome[]> }> {
  const t0 = performance.now();
  const tee = teeRequestBody(body, mirrorPorts.length, { maxBufferBytes });
  const mirrors = Promise.all(
    mirrorPorts.map((port, i) =>
      mirrorRequest(sendUpstream, { address: "127.0.0.1", port }, method, path, headers, tee.mirrors[i], {
        stats,
        timeoutMs: 10_000,
      })
    ),
  );
  const res = await sendUpstream({
    address: "127.0.0.1",
    port: primaryPort,
    method,
    path,
    headers,
    body: tee.primary,
  });
  const text = await readAll(res.body);
  return { status: res.status, text, elapsedMs: performance.now() - t0, mirrors };
}

Deno.test("mirror e2e: the mirror receives a copy with the -shadow host; the primary's response is its own", async () => {
  const primary = upstream("v1");
  const mirror = upstream("v2");
  const stats = new MirrorStats();
  try {
    const headers = HeaderList.from({ host: "httpbin.example.com:8080", "content-type": "text/plain" });
    const r = await forwardWithMirrors(
      primary.port,
      [mirror.port],
      "POST",
      "/headers?x=1",
      headers,
      streamOf("hello ", "mirror"),
      stats,
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, "v1:12");
    assert.deepEqual(await r.mirrors, ["ok"]);
    assert.deepEqual(primary.seen, [{
      method: "POST",
      path: "/headers?x=1",
      host: "httpbin.example.com:8080",
      body: "hello mirror",
    }]);
    assert.deepEqual(mirror.seen, [{
      method: "POST",
      path: "/headers?x=1",
      host: "httpbin.example.com-shadow:8080",
      body: "hello mirror",
    }]);
    assert.deepEqual({ ...stats }, { started: 1, succeeded: 1, failed: 0, dropped: 0 });
  } finally {
    await primary.close();
    await mirror.close();
  }
});

Deno.test("mirror e2e: a mirror target that is down does not affect the primary", async () => {
  const primary = upstream("v1");
  const stats = new MirrorStats();
  try {
    const headers = HeaderList.from({ host: "a.com" });
    const r = await forwardWithMirrors(
      primary.port,
      [freePort()],
      "POST",
      "/",
      headers,
      streamOf("payload"),
      stats,
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, "v1:7");
    assert.deepEqual(await r.mirrors, ["failed"]);
    assert.deepEqual({ ...stats }, { started: 1, succeeded: 0, failed: 1, dropped: 0 });
    const g = await forwardWithMirrors(primary.port, [freePort()], "GET", "/get", headers, null, stats);
    assert.equal(g.text, "v1:0");
    assert.deepEqual(await g.mirrors, ["failed"]);
  } finally {
    await primary.close();
  }
});

Deno.test("mirror e2e: a slow mirror does not delay the primary's response", async () => {
  const primary = upstream("v1");
  let slowSeen = "";
  const slow = upstream("slow", async (req) => {
    slowSeen = `${req.headers.get("host")} ${await req.text()}`;
    await new Promise((r) => setTimeout(r, 1500));
    return new Response("late");
  });
  const stats = new MirrorStats();
  try {
    const r = await forwardWithMirrors(
      primary.port,
      [slow.port],
      "PUT",
      "/x",
      HeaderList.from({ host: "a.com:80" }),
      streamOf("abc"),
      stats,
    );
    assert.equal(r.text, "v1:3");
    assert.ok(r.elapsedMs < 1000, `primary took ${r.elapsedMs}ms`);
    assert.deepEqual(await r.mirrors, ["ok"]);
    assert.equal(slowSeen, "a.com-shadow:80 abc");
  } finally {
    await primary.close();
    await slow.close();
  }
});

Deno.test("mirror e2e: a mirror that stops reading a large upload is dropped, the primary gets it all", async () => {
  const primary = upstream("v1", async (req) => new Response(`v1:${await countBytes(req.body)}`));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let stalledHost: string | null = null;
  const stalled = upstream("stalled", async (req) => {
    stalledHost = req.headers.get("host");
    await released; // never reads the body
    return new Response("never mind");
  });
  const stats = new MirrorStats();
  const total = 32 * 1024 * 1024;
  try {
    const r = await forwardWithMirrors(
      primary.port,
      [stalled.port],
      "POST",
      "/upload",
      HeaderList.from({ host: "up.example", "content-length": String(total) }),
      generated(total),
      stats,
      256 * 1024,
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, `v1:${total}`);
    const t0 = performance.now();
    assert.deepEqual(await r.mirrors, ["dropped"]);
    assert.ok(performance.now() - t0 < 5000, "the dropped copy is aborted at once, not at its 10s timeout");
    assert.equal(stalledHost, "up.example-shadow");
    assert.deepEqual({ ...stats }, { started: 1, succeeded: 0, failed: 0, dropped: 1 });
  } finally {
    release();
    await primary.close();
    await stalled.close();
  }
});
