import assert from "node:assert/strict";
import { Http1Client } from "../../../gateway/proxy/http1/client.ts";
import { get, serveUpstream, settle, spawnUpstream } from "./_servers.ts";

const GIB = 1024 * 1024 * 1024;
const CHUNK = 64 * 1024;
const RSS_LIMIT = 200 * 1024 * 1024;

/** `total` bytes of generated data, produced only as fast as they are read. */
function generated(total: number, produced = { bytes: 0 }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(c) {
      const n = Math.min(CHUNK, total - produced.bytes);
      if (n === 0) return c.close();
      c.enqueue(new Uint8Array(n).fill(produced.bytes & 0xff));
      produced.bytes += n;
    },
  }, { highWaterMark: 0 });
}

/** Runs `_transfer_process.ts` against a `Deno.serve` upstream process; each side in its own process. */
async function transfer(mode: string, bytes: number): Promise<{ bytes: number; peakRss: number }> {
  const upstream = await spawnUpstream();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        new URL("./_transfer_process.ts", import.meta.url).pathname,
        String(upstream.port),
        mode,
        String(bytes),
      ],
      stderr: "inherit",
    }).output();
    assert.equal(out.code, 0);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await upstream.close();
  }
}

Deno.test("Http1Client streams a 1 GiB upload with RSS under 200 MB", async () => {
  const result = await transfer("upload", GIB);
  assert.equal(result.bytes, GIB);
  assert.ok(result.peakRss < RSS_LIMIT, `peak RSS ${(result.peakRss / 1048576).toFixed(0)} MB`);
});

Deno.test("Http1Client streams a 1 GiB download with RSS under 200 MB", async () => {
  const result = await transfer("download", GIB);
  assert.equal(result.bytes, GIB);
  assert.ok(result.peakRss < RSS_LIMIT, `peak RSS ${(result.peakRss / 1048576).toFixed(0)} MB`);
});

Deno.test("Http1Client streams a 1 GiB chunked download with RSS under 200 MB", async () => {
  const result = await transfer("download-chunked", GIB);
  assert.equal(result.bytes, GIB);
  assert.ok(result.peakRss < RSS_LIMIT, `peak RSS ${(result.peakRss / 1048576).toFixed(0)} MB`);
});

Deno.test("Http1Client makes a slow consumer slow the upstream down", async () => {
  const produced = { bytes: 0 };
  const upstream = serveUpstream(() => new Response(generated(GIB, produced)));
  const client = new Http1Client();
  try {
    const res = await client.send(get(upstream.port, "/slow"));
    const reader = res.body!.getReader();
    let consumed = 0;
    for (let i = 0; i < 20; i++) {
      consumed += (await reader.read()).value!.length;
      await settle(10);
    }
    // Only socket buffers sit between producer and consumer: a few MB, not the gigabyte.
    assert.ok(produced.bytes - consumed < 16 * 1024 * 1024, `${produced.bytes - consumed} bytes ahead`);
    await reader.cancel();
  } finally {
    client.close();
    await upstream.close();
  }
});
