import assert from "node:assert/strict";
import { generateWorldTypes, TYPES_DIR_URL } from "../../../wasm/component/generate_types.ts";

Deno.test("component types: wit_types/ is what jco generates from the WIT (run generate_types.ts after a change)", async () => {
  const generated = await generateWorldTypes();
  assert.ok(generated.has("http-filter.d.ts"));
  for (const [path, text] of generated) {
    assert.equal(await Deno.readTextFile(new URL(path, TYPES_DIR_URL)), text, `wit_types/${path} is stale`);
  }
});
