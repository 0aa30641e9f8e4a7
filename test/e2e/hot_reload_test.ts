import assert from "node:assert/strict";
import {
  gatewayWithRoutes,
  simpleConfig,
  startTestGateway,
  staticService,
  writeAtomically,
} from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

Deno.test("hot reload: a changed file is picked up, an invalid one is refused and the last good config serves", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const b = startUpstream("B");
  const port = freePort();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(file, simpleConfig(port, a.port));
  const gw = await startTestGateway({ kind: "paths", paths: [dir] });
  try {
    assert.equal((await fetchText(`http://127.0.0.1:${port}/x`)).body, "A");

    await writeAtomically(file, simpleConfig(port, b.port));
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${port}/x`)).body === "B"));
    assert.equal(gw.config.current().version, 2);

    await writeAtomically(
      file,
      simpleConfig(port, a.port).replace("number: 80, name: http", "number: 0, name: http"),
    );
    assert.ok(await eventually(() => gw.config.status?.ok === false));
    const status = JSON.parse((await fetchText(`${gw.adminUrl}/config_status`)).body);
    assert.equal(status.ok, false);
    assert.ok(
      status.errors.some((e: string) => e.startsWith(`${file}:`) && e.includes("ServiceEntry default/app")),
      status.errors.join("\n"),
    );
    assert.equal((await fetchText(`http://127.0.0.1:${port}/x`)).body, "B", "last good config keeps serving");
    assert.equal(gw.config.current().version, 2);

    await writeAtomically(file, simpleConfig(port, a.port));
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${port}/x`)).body === "A"));
    assert.equal(gw.config.status?.ok, true);
  } finally {
    await gw.close();
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hot reload: a Kubernetes ConfigMap volume update (..data link swap) is seen, twice", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const b = startUpstream("B");
  const port = freePort();
  const swap = async (stamp: string, text: string) => {
    await Deno.mkdir(`${dir}/..${stamp}`);
    await Deno.writeTextFile(`${dir}/..${stamp}/config.yaml`, text);
    await Deno.symlink(`..${stamp}`, `${dir}/..data_tmp`);
    await Deno.rename(`${dir}/..data_tmp`, `${dir}/..data`);
  };
  await swap("v1", simpleConfig(port, a.port));
  await Deno.symlink("..data/config.yaml", `${dir}/config.yaml`);
  const gw = await startTestGateway({ kind: "paths", paths: [dir] });
  try {
    assert.equal((await fetchText(`http://127.0.0.1:${port}/`)).body, "A");
    await swap("v2", simpleConfig(port, b.port));
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${port}/`)).body === "B"));
    await swap("v3", simpleConfig(port, a.port));
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${port}/`)).body === "A"));
  } finally {
    await gw.close();
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hot reload: listeners open and close as Gateway ports come and go", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const port = freePort();
  const second = freePort();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(file, simpleConfig(port, a.port));
  const gw = await startTestGateway({ kind: "paths", paths: [file] });
  const withSecond = simpleConfig(port, a.port).replace(
    '    hosts: ["*"]\n',
    `    hosts: ["*"]\n  - port: {number: ${second}, name: http-2, protocol: HTTP}\n    hosts: ["*"]\n`,
  );
  try {
    await assert.rejects(fetch(`http://127.0.0.1:${second}/`));
    await writeAtomically(file, withSecond);
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${second}/`)).body === "A"));
    await writeAtomically(file, simpleConfig(port, a.port));
    assert.ok(
      await eventually(async () => {
        try {
          await fetchText(`http://127.0.0.1:${second}/`);
          return false;
        } catch {
          return true;
        }
      }),
      "second listener closed",
    );
    assert.equal((await fetchText(`http://127.0.0.1:${port}/`)).body, "A");
  } finally {
    await gw.close();
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hot reload: a request in flight finishes on the config it started with", async () => {
  const dir = await Deno.makeTempDir();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = startUpstream("slow", async () => {
    await gate;
    return new Response("slow done");
  });
  const b = startUpstream("B");
  const port = freePort();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(file, simpleConfig(port, slow.port));
  const gw = await startTestGateway({ kind: "paths", paths: [dir] });
  try {
    const inFlight = fetchText(`http://127.0.0.1:${port}/slow`);
    assert.ok(await eventually(() => slow.requests.length === 1));
    await writeAtomically(file, simpleConfig(port, b.port));
    // Probing through the gateway would block on the slow upstream until the reload lands: watch the version.
    assert.ok(await eventually(() => gw.config.current().version === 2));
    assert.equal((await fetchText(`http://127.0.0.1:${port}/`)).body, "B");
    release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.body, "slow done");
  } finally {
    release();
    await gw.close();
    await slow.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startup with an invalid config serves nothing, reports the errors, then recovers when fixed", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const port = freePort();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    file,
    "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}\n",
  );
  const gw = await startTestGateway({ kind: "paths", paths: [dir] });
  try {
    assert.equal(gw.config.loaded, false);
    const ready = await fetch(`http://127.0.0.1:${gw.readiness!.port}/healthz/ready`);
    await ready.body?.cancel();
    assert.equal(ready.status, 503);
    await writeAtomically(file, simpleConfig(port, a.port));
    assert.ok(await eventually(async () => (await fetchText(`http://127.0.0.1:${port}/`)).body === "A"));
    const ok = await fetch(`http://127.0.0.1:${gw.readiness!.port}/healthz/ready`);
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  } finally {
    await gw.close();
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hot reload: a weighted split stays accurate under concurrent load while the config reloads", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const b = startUpstream("B");
  const port = freePort();
  const file = `${dir}/config.yaml`;
  const config = (weightA: number, revision: number) =>
    gatewayWithRoutes(
      port,
      `  - route:
    - {destination: {host: a, port: {number: 80}}, weight: ${weightA}}
    - {destination: {host: b, port: {number: 80}}, weight: ${100 - weightA}}
    headers: {request: {set: {x-revision: "${revision}"}}}`,
    ) + staticService("a", [a.port]) + staticService("b", [b.port]);
  await Deno.writeTextFile(file, config(80, 0));
  const gw = await startTestGateway({ kind: "paths", paths: [dir] });
  try {
    const load = async (weightA: number, reloads: boolean) => {
      const counts: Record<string, number> = { A: 0, B: 0 };
      let revision = 0;
      let sent = 0;
      let reloading = reloads;
      const reloader = (async () => {
        while (reloading) {
          await writeAtomically(file, config(weightA, ++revision));
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (sent < 2000) {
          sent++;
          counts[(await fetchText(`http://127.0.0.1:${port}/`)).body]++;
        }
      }));
      reloading = false;
      await reloader;
      return { counts, revision };
    };
    const first = await load(80, true);
    // Binomial(2000, 0.2): mean 400, sd 17.9; 5 sd either side.
    assert.ok(first.counts.B > 310 && first.counts.B < 490, JSON.stringify(first));
    assert.ok(
      first.revision >= 3 && gw.config.current().version >= 3,
      `reloads during the run: ${first.revision}`,
    );
    await writeAtomically(file, config(20, 1000));
    // Writes close together may be debounced into one reload: wait for the last one to serve.
    assert.ok(
      await eventually(async () => {
        const served = (await fetchText(`http://127.0.0.1:${port}/`)).body === "A" ? a : b;
        return served.requests.at(-1)?.headers.get("x-revision") === "1000";
      }),
    );
    const second = await load(20, false);
    assert.ok(second.counts.A > 310 && second.counts.A < 490, JSON.stringify(second));
  } finally {
    await gw.close();
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hot reload: rewriting the same text or writing other files beside the config compiles nothing", async () => {
  const dir = await Deno.makeTempDir();
  const a = startUpstream("A");
  const port = freePort();
  const file = `${dir}/config.yaml`;
  await Deno.writeTextFile(file, simpleConfig(port, a.port));
  const gw = await startTestGateway({ kind: "paths", paths: [file] });
  try {
    await writeAtomically(file, simpleConfig(port, a.port));
    await Deno.writeTextFile(`${dir}/gateway.log`, "a log line\n");
    assert.equal((await gw.config.reload()).version, 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(gw.config.current().version, 1);
    assert.equal(gw.config.status?.ok, true);
    assert.equal((await fetchText(`http://127.0.0.1:${port}/x`)).body, "A");
  } finally {
    await gw.close();
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});
