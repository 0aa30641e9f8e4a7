import assert from "node:assert/strict";
import { simpleConfig } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort } from "../helpers/net.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const GIB = 1024 * 1024 * 1024;
const CHUNK = new Uint8Array(256 * 1024).fill(120);

/** A body of `total` bytes produced as it is read. */
function generated(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(CHUNK.length, total - sent);
      controller.enqueue(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      sent += n;
    },
  }, { highWaterMark: 0 });
}

async function countBytes(body: ReadableStream<Uint8Array> | null): Promise<number> {
  let n = 0;
  for await (const chunk of body ?? []) n += chunk.length;
  return n;
}

/** Peak resident memory of a process, in MB (VmHWM). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

Deno.test("a 1 GiB upload and a 1 GiB download stream through the gateway with flat memory", async () => {
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.method === "POST") return new Response(String(await countBytes(req.body)));
    return new Response(generated(GIB), { headers: { "content-length": String(GIB) } });
  });
  const port = freePort();
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config.yaml`, simpleConfig(port, upstream.addr.port));
  const ready = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--config",
      dir,
      "--bind",
      "127.0.0.1",
      "--no-watch",
      "--admin-port",
      String(freePort()),
      "--readiness-port",
      String(ready),
      "--prometheus-port",
      String(freePort()),
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    assert.ok(
      await eventually(
        async () => (await fetchText(`http://127.0.0.1:${ready}/healthz/ready`)).status === 200,
        15000,
      ),
    );
    const baseline = await peakRssMb(child.pid);

    const up = await fetch(`http://127.0.0.1:${port}/upload`, { method: "POST", body: generated(GIB) });
    assert.equal(await up.text(), String(GIB));

    const down = await fetch(`http://127.0.0.1:${port}/download`);
    assert.equal(down.status, 200);
    assert.equal(await countBytes(down.body), GIB);

    const peak = await peakRssMb(child.pid);
    // Buffering even a tenth of the body would show; streaming stays near the idle footprint.
    assert.ok(peak < baseline + 150, `peak RSS ${peak.toFixed(0)} MB (idle ${baseline.toFixed(0)} MB)`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
