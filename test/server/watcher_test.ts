import assert from "node:assert/strict";
import { isConfigChange, watchConfigPaths } from "../../gateway/server/watcher.ts";

const DEBOUNCE_MS = 50;

/** Watches `paths`, runs `act`, and returns how many reloads were triggered once things settled. */
async function reloadsAfter(paths: string[], act: () => Promise<void>): Promise<number> {
  let count = 0;
  const watch = await watchConfigPaths(paths, () => count++, { debounceMs: DEBOUNCE_MS });
  try {
    await act();
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS * 6));
    return count;
  } finally {
    watch.close();
  }
}

Deno.test("a watched file reloads on its own change, not on other files in its folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = `${dir}/gateway.yaml`;
    await Deno.writeTextFile(config, "a: 1\n");
    const others = await reloadsAfter([config], async () => {
      for (let i = 0; i < 5; i++) {
        await Deno.writeTextFile(`${dir}/gateway.log`, `line ${i}\n`, { append: true });
        await Deno.writeTextFile(`${dir}/other.yaml`, `b: ${i}\n`);
        await Deno.readTextFile(config);
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    assert.equal(others, 0);
    const own = await reloadsAfter([config], () => Deno.writeTextFile(config, "a: 2\n"));
    assert.equal(own, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a watched folder reloads on YAML files and sub-folders, not on logs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logs = await reloadsAfter([dir], () => Deno.writeTextFile(`${dir}/access.log`, "x\n"));
    assert.equal(logs, 0);
    const yaml = await reloadsAfter([dir], () => Deno.writeTextFile(`${dir}/vs.yml`, "a: 1\n"));
    assert.equal(yaml, 1);
    const nested = await reloadsAfter([dir], async () => {
      await Deno.mkdir(`${dir}/team`);
      await Deno.writeTextFile(`${dir}/team/vs.yaml`, "a: 1\n");
    });
    assert.equal(nested, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isConfigChange: named files, YAML under folders, ConfigMap swaps", () => {
  const files = new Set(["/etc/gw/config.yaml"]);
  const folders = ["/etc/istio"];
  assert.equal(isConfigChange("/etc/gw/config.yaml", files, folders), true);
  assert.equal(isConfigChange("/etc/gw/..data", files, folders), true);
  assert.equal(isConfigChange("/etc/gw/..2026_11_22_06_00_00.1", files, folders), true);
  assert.equal(isConfigChange("/etc/gw/gateway.log", files, folders), false);
  assert.equal(isConfigChange("/etc/istio/a/b.YAML", files, folders), true);
  assert.equal(isConfigChange("/etc/istio/newdir", files, folders), true);
  assert.equal(isConfigChange("/etc/istio/notes.txt", files, folders), false);
  assert.equal(isConfigChange("/etc/istiox/a.yaml", files, folders), false);
});
