import assert from "node:assert/strict";
import type { CompiledWasmPlugin } from "../../gateway/compile/wasm_plugins.ts";
import { ModuleFetchError, ModuleSource } from "../../gateway/extensions/module_source.ts";

/** A plugin for `url`, with only what fetching reads. */
function pluginFor(url: string): CompiledWasmPlugin {
  return { url, namespace: "default" } as CompiledWasmPlugin;
}

Deno.test("module source: an http(s) module over 256 MiB is refused from its content-length, without reading it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(4096));
    await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 300000000\r\n\r\n\0asm"));
    // The client gives up at the head: it closes the connection rather than read 300 MB.
    while (await conn.read(new Uint8Array(4096)).catch(() => null) !== null) {
      // until closed
    }
    conn.close();
  })();
  const cacheDir = await Deno.makeTempDir();
  try {
    const source = new ModuleSource({ cacheDir });
    const url = `http://127.0.0.1:${listener.addr.port}/big.wasm`;
    await assert.rejects(
      source.fetch(pluginFor(url)),
      (e) => e instanceof ModuleFetchError && /larger than 268435456 bytes/.test(e.message),
    );
    await served;
  } finally {
    listener.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
