import assert from "node:assert/strict";
import { renameExports, witExportNames } from "../../filters/toolchain/export_names.ts";
import { compileWat } from "../../filters/toolchain/wat.ts";

Deno.test("export renaming: AssemblyScript identifiers become WIT names, other exports and the code stay", async () => {
  const core = await compileWat(
    "t.wat",
    `(module
      (memory (export "memory") 1)
      (func (export "on_request_headers") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "cabi_post_on_request_headers") (param i32))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 8)))`,
  );
  const renamed = renameExports(core, witExportNames(["on-request-headers"]));
  const module = await WebAssembly.compile(renamed as Uint8Array<ArrayBuffer>);
  assert.deepEqual(WebAssembly.Module.exports(module).map((e) => e.name), [
    "memory",
    "on-request-headers",
    "cabi_post_on-request-headers",
    "cabi_realloc",
  ]);
  const instance = await WebAssembly.instantiate(module);
  assert.equal((instance.exports["on-request-headers"] as (n: number) => number)(41), 42);
  assert.deepEqual(witExportNames(["configure"]), {
    configure: "configure",
    cabi_post_configure: "cabi_post_configure",
  });
});
