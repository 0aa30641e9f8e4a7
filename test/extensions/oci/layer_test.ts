import assert from "node:assert/strict";
import { createTar } from "nanotar";
import { moduleFromLayer } from "../../../gateway/extensions/oci/layer.ts";
import type { ModuleLayer } from "../../../gateway/extensions/oci/manifest.ts";
import { compatLayer } from "../../helpers/oci_push.ts";

const MODULE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 42]);
const layer = (layout: ModuleLayer["layout"], compression: ModuleLayer["compression"]): ModuleLayer => ({
  layout,
  compression,
  layer: { mediaType: "x", digest: "0".repeat(64), size: 0 },
});

Deno.test("layer: plugin.wasm from a compat tar.gz, in any folder", async () => {
  assert.deepEqual(await moduleFromLayer(await compatLayer(MODULE), layer("compat", "gzip")), MODULE);
  assert.deepEqual(
    await moduleFromLayer(await compatLayer(MODULE, "filter/"), layer("compat", "gzip")),
    MODULE,
  );
});

Deno.test("layer: an uncompressed tar, and the artifact layout's raw module", async () => {
  const tar = createTar([{ name: "README" }, { name: "plugin.wasm", data: MODULE }]);
  assert.deepEqual(await moduleFromLayer(tar, layer("compat", "none")), MODULE);
  assert.deepEqual(await moduleFromLayer(MODULE, layer("artifact", "none")), MODULE);
});

Deno.test("layer: no plugin.wasm, or a layer that is not gzip, is a fetch error", async () => {
  const other = createTar([{ name: "filter.wasm", data: MODULE }]);
  await assert.rejects(
    () => moduleFromLayer(other, layer("compat", "none")),
    /plugin.wasm not found in the archive/,
  );
  await assert.rejects(
    () => moduleFromLayer(MODULE, layer("compat", "gzip")),
    /failed to parse layer as tar.gz/,
  );
});
