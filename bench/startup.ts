/**
 * Startup benchmark: `main.ts serve` on a generated plain config (a Gateway, a VirtualService routing
 * everything to a STATIC ServiceEntry whose endpoint is an upstream in this process; no plugins, JWT,
 * authorization policies, tracing or Telemetry), listener, admin, readiness and Prometheus ports all free
 * ports on 127.0.0.1, watching its config as a default `serve` does.
 *
 * Per run: the time from spawning the process to the first answered request (polled every 10 ms), then,
 * 2 s after that answer with no traffic, the process's idle RSS from /proc/PID/status: `VmRSS` and its
 * parts `RssAnon` (heaps: V8, Rust, WASM memories) and `RssFile` (mapped files: the deno binary's pages in
 * use). The same is measured once for performance.md's minimal `Deno.serve` + `fetch` proxy
 * (`bench/probes/deno_fetch.ts`), the floor of any Deno gateway. Each process is stopped before the next starts.
 * Run: `deno task bench` (all benchmarks) or `deno run -A bench/startup.ts [--runs N]` (default 3).
 * @module
 */
import { parseArgs } from "node:util";
import { gatewayWithRoutes, staticService } from "../test/helpers/gateway.ts";
import { freePort } from "../test/helpers/net.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const IDLE_MS = 2000;
const READY_TIMEOUT_MS = 15_000;

/** A plain config: one listener, one route, one static service. */
function plainConfig(listenerPort: number, upstreamPort: number): string {
  return gatewayWithRoutes(listenerPort, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
    staticService("app", [upstreamPort]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS, RssAnon and RssFile of `pid`, in MB. */
function rss(pid: number): { vm: number; anon: number; file: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
  return { vm: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
}

interface StartupResult {
  readonly firstAnswerMs: number;
  readonly status: number;
  readonly rss: { vm: number; anon: number; file: number };
}

/** Spawns `args`, waits for `url` to answer, idles, reads RSS, stops the process. */
async function measure(args: string[], url: string): Promise<StartupResult> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const drain = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr = (stderr + dec.decode(chunk, { stream: true })).slice(-4000);
    }
  })();
  let exited = false;
  void child.status.then(() => (exited = true));
  try {
    let status = 0;
    while (status === 0) {
      if (exited) throw new Error(`exited before answering:\n${stderr}`);
      if (performance.now() - t0 > READY_TIMEOUT_MS) throw new Error(`no answer in ${READY_TIMEOUT_MS} ms`);
      status = await fetch(url).then(async (res) => {
        await res.body?.cancel();
        return res.status;
      }, () => 0);
      if (status === 0) await sleep(10);
    }
    const firstAnswerMs = performance.now() - t0;
    await sleep(IDLE_MS);
    return { firstAnswerMs, status, rss: rss(child.pid) };
  } finally {
    if (!exited) child.kill("SIGTERM");
    const stopped = await Promise.race([child.status.then(() => true), sleep(3000).then(() => false)]);
    if (!stopped) child.kill("SIGKILL");
    await child.status;
    await drain.catch(() => {});
  }
}

function report(label: string, r: StartupResult): void {
  const mb = (n: number) => `${n.toFixed(1)} MB`.padStart(9);
  console.log(
    `${label.padEnd(24)} first answer ${`${r.firstAnswerMs.toFixed(0)} ms`.padStart(8)} (HTTP ${r.status})` +
      `   idle VmRSS ${mb(r.rss.vm)}  RssAnon ${mb(r.rss.anon)}  RssFile ${mb(r.rss.file)}`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string", default: "3" } } });
  const runs = Number(values.runs);
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("startup bench upstream\n"),
  );
  const dir = await Deno.makeTempDir({ prefix: "portcullis_startup_" });
  try {
    for (let i = 1; i <= runs; i++) {
      const listenerPort = freePort();
      const config = `${dir}/plain.yaml`;
      await Deno.writeTextFile(config, plainConfig(listenerPort, upstream.addr.port));
      const args = ["run", "-A", "main.ts", "serve", "--config", config, "--bind", "127.0.0.1"];
      for (const side of ["admin-port", "readiness-port", "prometheus-port"]) {
        args.push(`--${side}`, `${freePort()}`);
      }
      report(`portcullis run ${i}`, await measure(args, `http://127.0.0.1:${listenerPort}/`));
    }
    const script = `${ROOT}bench/probes/deno_fetch.ts`;
    const port = freePort();
    report(
      "deno_fetch (floor)",
      await measure(["run", "-A", script, `${port}`, `${upstream.addr.port}`], `http://127.0.0.1:${port}/`),
    );
  } finally {
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}
