import assert from "node:assert/strict";
import { eventually, fetchText, freePort } from "../helpers/net.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const SHARED = new URL("../../../shared/istio/", import.meta.url).pathname;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", MAIN, ...args] }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("validate: the Istio samples pass with exit status 0", async () => {
  const r = await run(
    "validate",
    `${SHARED}istio-istio/samples/bookinfo/networking`,
    `${SHARED}istio-istio/samples/httpbin`,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /0 error\(s\)/);
});

Deno.test("validate: every error is printed as file:line:col with resource and field, exit status 1", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/bad.yaml`;
  await Deno.writeTextFile(
    file,
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: -1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: skipped}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: FASTEST}
`,
  );
  try {
    const r = await run("validate", dir);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n");
    assert.ok(
      lines.some((l) =>
        l.startsWith(`${file}:12:15: error: VirtualService default/reviews: spec.http[0].route[1].weight:`)
      ),
      r.stdout,
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          `${file}:24:28: error: DestinationRule default/dr: spec.trafficPolicy.loadBalancer.simple:`,
        ) &&
        l.includes("FASTEST")
      ),
      r.stdout,
    );
    assert.ok(!r.stdout.includes("Deployment"), "other kinds are skipped quietly");
    const verbose = await run("validate", "--verbose", dir);
    assert.ok(
      verbose.stdout.includes("note: Deployment skipped: skipped: apps/v1 Deployment is not an Istio kind"),
      verbose.stdout,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve: the built-in demo routes real traffic, then drains on SIGTERM", async () => {
  const offset = 20000 + Math.floor(Math.random() * 20000);
  const [admin, ready, prom] = [freePort(), freePort(), freePort()];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--bind",
      "127.0.0.1",
      "--port-offset",
      String(offset),
      "--admin-port",
      String(admin),
      "--readiness-port",
      String(ready),
      "--prometheus-port",
      String(prom),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${8080 + offset}`;
  try {
    assert.ok(
      await eventually(
        async () => (await fetchText(`http://127.0.0.1:${ready}/healthz/ready`)).status === 200,
        15000,
      ),
    );
    const page = await fetchText(`${base}/productpage`);
    assert.equal(page.status, 200);
    assert.equal(JSON.parse(page.body).service, "productpage");
    assert.equal(page.headers.get("server"), "istio-envoy");

    const jason = JSON.parse(
      (await fetchText(`${base}/reviews/1`, { headers: { "end-user": "jason" } })).body,
    );
    assert.equal(jason.version, "v2");

    const counts: Record<string, number> = { v1: 0, v2: 0 };
    for (let i = 0; i < 200; i++) {
      counts[JSON.parse((await fetchText(`${base}/reviews/${i}`)).body).version]++;
    }
    // 80/20 split: v2 share within 4 standard deviations of 20% over 200 requests (sd = 2.8%).
    assert.ok(counts.v2 >= 18 && counts.v2 <= 62, JSON.stringify(counts));

    const redirect = await fetchText(`${base}/home?x=1`);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), `http://127.0.0.1:${8080 + offset}/productpage?x=1`);
    assert.equal((await fetchText(`${base}/nope`)).status, 404);
    assert.equal((await fetchText(`${base}/healthz`)).body, "ok\n");

    const dump = JSON.parse((await fetchText(`http://127.0.0.1:${admin}/config_dump`)).body);
    assert.ok(
      dump.clusters.some((c: { name: string }) =>
        c.name === "outbound|9080|v2|reviews.default.svc.cluster.local"
      ),
    );
    assert.match(
      (await fetchText(`http://127.0.0.1:${prom}/stats/prometheus`)).body,
      /portcullis_config_version 1/,
    );
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.code, 0);
  }
});
