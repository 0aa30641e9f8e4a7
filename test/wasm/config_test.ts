import assert from "node:assert/strict";
import { PluginLoadError } from "../../wasm/mod.ts";
import { loadTestPlugin, requestHeaders, testFilter } from "../helpers/wasm.ts";
import { loadPlugin } from "../../wasm/mod.ts";

Deno.test("VM and plugin configuration reach on_vm_start and on_configure; env reaches WASI environ", async () => {
  await using loaded = await loadTestPlugin("config", {
    vmConfig: "vm-settings",
    pluginConfig: { limit: 5, name: "x" },
    env: { GREETING: "hi there", OTHER: "1" },
  });
  const headers = requestHeaders();
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(headers, true);
  assert.equal(headers.get("x-vm-config"), "vm-settings");
  assert.equal(headers.get("x-plugin-config"), '{"limit":5,"name":"x"}');
  assert.equal(headers.get("x-env-greeting"), "hi there");
  stream.complete();
});

Deno.test("an empty configuration reads as empty", async () => {
  await using loaded = await loadTestPlugin("config");
  const headers = requestHeaders();
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(headers, true);
  assert.equal(headers.get("x-vm-config"), "");
  assert.equal(headers.get("x-plugin-config"), "");
  stream.complete();
});

Deno.test("on_configure returning false fails the load", async () => {
  await assert.rejects(
    async () =>
      await loadPlugin(await testFilter("config"), {
        name: "config",
        pluginConfig: "reject",
        logger: () => {},
      }),
    (e: unknown) => e instanceof PluginLoadError && /proxy_on_configure returned false/.test(e.message),
  );
});

Deno.test("ABI 0.1.0: proxy_get_configuration, missing headers read as empty, malloc, _initialize", async () => {
  await using loaded = await loadTestPlugin("abi_v010", { pluginConfig: "old-style" });
  assert.equal(loaded.plugin.abi, "0.1.0");
  const headers = requestHeaders();
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(headers, true);
  assert.equal(headers.get("x-v010-missing"), "empty-ok");
  assert.equal(headers.get("x-v010-config"), "old-style");
  assert.equal(headers.get("x-v010-init"), "yes");
  stream.complete();
});
