import assert from "node:assert/strict";
import { BufferedLogWriter, type ByteSink, openPathSink, WriterPool } from "../../gateway/telemetry/mod.ts";

/** A sink that keeps what it is given; `gate` holds writes until released. */
function memorySink() {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const sink: ByteSink & { closed: boolean } = {
    closed: false,
    async write(bytes) {
      if (gate) await gate;
      chunks.push(decoder.decode(bytes));
      return bytes.length;
    },
    close() {
      sink.closed = true;
    },
  };
  return {
    sink,
    chunks,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

Deno.test("writer: a file is appended to, lines buffered until flushed, then closed", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/access.log`;
  await Deno.writeTextFile(path, "existing\n");
  try {
    const w = new BufferedLogWriter(() => openPathSink(path), { flushIntervalMs: 60_000 });
    w.write("one\n");
    w.write("two\n");
    assert.equal(await Deno.readTextFile(path), "existing\n");
    await w.flush();
    assert.equal(await Deno.readTextFile(path), "existing\none\ntwo\n");
    w.write("three\n");
    await w.close();
    assert.equal(await Deno.readTextFile(path), "existing\none\ntwo\nthree\n");
    w.write("late\n");
    assert.equal(w.dropped, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writer: the flush timer writes buffered lines out", async () => {
  const m = memorySink();
  const w = new BufferedLogWriter(() => Promise.resolve(m.sink), { flushIntervalMs: 5 });
  w.write("a\n");
  w.write("b\n");
  assert.deepEqual(m.chunks, []);
  for (let i = 0; i < 100 && m.chunks.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(m.chunks, ["a\nb\n"]);
  await w.close();
  assert.equal(m.sink.closed, true);
});

Deno.test("writer: a full flush buffer is written at once; a slow sink makes it drop, not block", async () => {
  const m = memorySink();
  const w = new BufferedLogWriter(() => Promise.resolve(m.sink), {
    flushIntervalMs: 60_000,
    flushBytes: 8,
    maxBufferBytes: 20,
  });
  m.hold();
  w.write("12345\n");
  w.write("67890\n"); // 12 bytes >= 8: flushed, but the sink is stalled
  w.write("abcd\n");
  w.write("efgh\n"); // 12 in flight + 5 + 5 > 20: dropped
  assert.equal(w.dropped, 1);
  m.release();
  await w.close();
  assert.equal(m.chunks.join(""), "12345\n67890\nabcd\n");
});

Deno.test("writer: a destination that cannot be opened drops lines and counts the error", async () => {
  const w = new BufferedLogWriter(() => Promise.reject(new Error("permission denied")), {
    flushIntervalMs: 60_000,
  });
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    w.write("x\n");
    w.write("y\n");
    await w.flush();
  } finally {
    console.error = original;
  }
  assert.equal(w.dropped, 2);
  assert.equal(w.errors, 1);
  assert.equal(errors.length, 1);
});

Deno.test("writer pool: one writer per path, closed when no longer used", async () => {
  const sinks = new Map<string, ReturnType<typeof memorySink>>();
  const pool = new WriterPool({ flushIntervalMs: 60_000 }, (path) => {
    const m = memorySink();
    sinks.set(path, m);
    return Promise.resolve(m.sink);
  });
  assert.equal(pool.get("/a"), pool.get("/a"));
  pool.get("/a").write("to a\n");
  pool.get("/b").write("to b\n");
  await pool.retain(["/b"]);
  assert.deepEqual(pool.paths(), ["/b"]);
  assert.deepEqual(sinks.get("/a")!.chunks, ["to a\n"]);
  assert.equal(sinks.get("/a")!.sink.closed, true);
  assert.deepEqual(sinks.get("/b")?.chunks ?? [], []);
  await pool.close();
  assert.deepEqual(sinks.get("/b")!.chunks, ["to b\n"]);
  assert.deepEqual(pool.paths(), []);
});
