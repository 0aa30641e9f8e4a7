import assert from "node:assert/strict";
import { serveConfig } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort } from "../helpers/net.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const EXAMPLE_GATEWAY = new URL("../../filters/examples/gateway.yaml", import.meta.url);

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("filter new/build/test: a scaffolded filter builds, passes its generated tests and runs in the gateway from its example", async () => {
  const tmp = await Deno.makeTempDir();
  const dir = `${tmp}/hello-edge`;
  const created = await run("filter", "new", "hello-edge", "--dir", dir);
  assert.equal(created.code, 0, created.out);
  for (const file of ["filter.ts", "example.yaml", "filter_test.ts"]) {
    assert.ok((await Deno.stat(`${dir}/${file}`)).isFile);
  }
  assert.match(created.out, /filter test/);

  const again = await run("filter", "new", "hello-edge", "--dir", dir);
  assert.equal(again.code, 1);
  assert.match(again.out, /already holds a filter/);
  const badName = await run("filter", "new", "Hello_Edge", "--dir", `${tmp}/bad`);
  assert.equal(badName.code, 1);
  assert.match(badName.out, /is not a filter name/);

  const wasm = `${tmp}/hello-edge.wasm`;
  const built = await run("filter", "build", dir, "--out", wasm);
  assert.equal(built.code, 0, built.out);
  assert.match(built.out, /hello-edge: \d+ B/);

  const tested = await run("filter", "test", dir);
  assert.equal(tested.code, 0, tested.out);
  assert.match(tested.out, /ok \| 3 passed \| 0 failed/);

  const port = freePort();
  const example = (await Deno.readTextFile(`${dir}/example.yaml`)).replace(
    "url: file://.cache/filters/hello-edge.wasm",
    `url: file://${wasm}`,
  );
  const gateway = (await Deno.readTextFile(EXAMPLE_GATEWAY)).replace("number: 8080", `number: ${port}`);
  const gw = await serveConfig(`${gateway}\n---\n${example}`);
  try {
    assert.ok(
      await eventually(async () => (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n"),
    );
    const hello = await fetchText(`http://127.0.0.1:${port}/`);
    assert.equal(hello.status, 200);
    assert.equal(hello.body, "hello from the gateway\n");
    assert.equal(hello.headers.get("x-hello-edge"), "hello");
    const denied = await fetchText(`http://127.0.0.1:${port}/private/x`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body, "denied by hello-edge\n");
  } finally {
    await gw.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
