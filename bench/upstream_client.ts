/**
 * Upstream client benchmark: the `Deno.connect` HTTP/1.1 client (`gateway/proxy/http1/`) against the node:http
 * client (`gateway/proxy/upstream.ts`) and `fetch()`, each sending GETs to the same local `Deno.serve`
 * upstream (100-byte body, run as a child process so that the CPU measured here is the client's alone), one
 * request at a time and with 50 in flight. Prints requests/s and CPU µs per request (user + system time of
 * this process). Runs in about 30 s, on 127.0.0.1 only.
 * Run: `deno run -A bench/upstream_client.ts`.
 * @module
 */
import process from "node:process";
import { Http1Client } from "../gateway/proxy/http1/client.ts";
import type { UpstreamRequest, UpstreamResponse } from "../gateway/proxy/upstream.ts";
import { sendUpstreamNodeHttp as sendUpstream } from "../gateway/proxy/node_http_client.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";

const WARMUP_MS = 500;
const RUN_MS = 3000;
const BODY = "x".repeat(100);

if (Deno.args[0] === "--upstream") {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(port) },
    () => new Response(BODY, { headers: { "content-type": "text/plain" } }),
  );
  await server.finished;
  Deno.exit(0);
}

type Send = (req: UpstreamRequest) => Promise<UpstreamResponse>;

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  while (!(await reader.read()).done) {
    // discard
  }
}

/** `fetch()` behind the same contract (it adds its default headers; the body is consumed the same way). */
async function fetchSend(req: UpstreamRequest): Promise<UpstreamResponse> {
  const res = await fetch(`http://${req.address}:${req.port}${req.path}`, {
    headers: req.headers.fields.length ? [...req.headers] : undefined,
  });
  return { status: res.status, headers: HeaderList.from(res.headers), body: res.body };
}

/** Sends requests from `concurrency` loops for `ms`; returns requests done and CPU µs used. */
async function run(send: Send, req: UpstreamRequest, concurrency: number, ms: number) {
  const deadline = performance.now() + ms;
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await send(req);
      await drain(res.body);
      done++;
    }
  }));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (done * 1000) / elapsed, cpuPerReq: (cpu.user + cpu.system) / done };
}

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net=127.0.0.1", new URL(import.meta.url).pathname, "--upstream"],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let line = "";
while (!line.includes("\n")) {
  const r = await reader.read();
  if (r.done) throw new Error("upstream exited");
  line += r.value;
}
reader.releaseLock();
const port = Number(line.trim());

const http1 = new Http1Client();
const clients: [string, Send][] = [
  ["http1 (Deno.connect)", (req) => http1.send(req)],
  ["node:http", sendUpstream],
  ["fetch", fetchSend],
];
const req: UpstreamRequest = {
  address: "127.0.0.1",
  port,
  method: "GET",
  path: "/bench",
  headers: HeaderList.from({ host: "bench.local", "user-agent": "portcullis-bench" }),
  body: null,
};

const rows: string[] = [];
for (const concurrency of [1, 50]) {
  for (const [name, send] of clients) {
    await run(send, req, concurrency, WARMUP_MS);
    const r = await run(send, req, concurrency, RUN_MS);
    const rps = Math.round(r.rps).toLocaleString("en-US");
    rows.push(
      `| ${name.padEnd(20)} | ${String(concurrency).padStart(9)} | ${rps.padStart(9)} | ${
        r.cpuPerReq.toFixed(1).padStart(10)
      } |`,
    );
  }
}

console.log(
  `GET ${BODY.length}-byte body from a Deno.serve upstream (child process), ${RUN_MS / 1000} s per row`,
);
console.log("| client               | in-flight |     req/s | CPU µs/req |");
console.log("|----------------------|----------:|----------:|-----------:|");
for (const row of rows) console.log(row);

http1.close();
child.kill("SIGTERM");
await child.status;
await child.stdout.cancel().catch(() => {});
Deno.exit(0);
