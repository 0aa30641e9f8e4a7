import assert from "node:assert/strict";
import { componentShape, isComponent, wasmBinaryKind } from "../../../wasm/component/mod.ts";
import { testFilter } from "../../helpers/wasm.ts";
import { testComponent } from "../../helpers/component.ts";

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** A component binary of the preamble and one canon section holding `entries` (already encoded). */
function withCanon(...entries: number[][]): Uint8Array {
  const content = [entries.length, ...entries.flat()];
  return new Uint8Array([...PREAMBLE, 8, content.length, ...content]);
}

Deno.test("component detection: a core module (version 1, layer 0) is not a component; a component (layer 1) is", async () => {
  const core = await testFilter("noop");
  assert.deepEqual([...core.subarray(4, 8)], [1, 0, 0, 0]);
  assert.equal(wasmBinaryKind(core), "module");
  assert.equal(isComponent(core), false);
  const component = await testComponent("headers");
  assert.deepEqual([...component.subarray(4, 8)], [0x0d, 0, 1, 0]);
  assert.equal(wasmBinaryKind(component), "component");
  assert.equal(isComponent(component), true);
});

Deno.test("component detection: anything else is neither", () => {
  assert.equal(wasmBinaryKind(new TextEncoder().encode("not wasm at all")), undefined);
  assert.equal(wasmBinaryKind(new Uint8Array([0, 0x61, 0x73, 0x6d])), undefined);
  assert.equal(wasmBinaryKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])), undefined);
  assert.equal(wasmBinaryKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 2, 0])), undefined);
});

Deno.test("component shape: a built filter has its main module, the shim and fixup modules, UTF-8 only", async () => {
  assert.deepEqual(componentShape(await testComponent("actions")), {
    coreModules: 3,
    nestedComponents: 0,
    utf8Only: true,
  });
});

Deno.test("component shape: UTF-16 strings, unknown canonical functions and truncation rule out the direct path", () => {
  // canon lower of function 0 with (memory 0) (realloc 1) string-encoding=utf8
  assert.equal(componentShape(withCanon([0x01, 0x00, 0x00, 3, 0x03, 0x00, 0x04, 0x01, 0x00])).utf8Only, true);
  // canon lift of core function 2, string-encoding=utf16, type 0
  assert.equal(componentShape(withCanon([0x00, 0x00, 0x02, 1, 0x01, 0x00])).utf8Only, false);
  // latin1+utf16
  assert.equal(componentShape(withCanon([0x01, 0x00, 0x00, 1, 0x02])).utf8Only, false);
  // resource.new (0x02): not something the direct path lowers
  assert.equal(componentShape(withCanon([0x02, 0x00])).utf8Only, false);
  // an async option
  assert.equal(componentShape(withCanon([0x01, 0x00, 0x00, 1, 0x06])).utf8Only, false);
  // a section running past the end
  assert.equal(componentShape(new Uint8Array([...PREAMBLE, 8, 50, 1])).utf8Only, false);
});

Deno.test("loadFilterPlugin: a component goes to the component host, a core module to the Proxy-Wasm host", async () => {
  const { loadFilterPlugin } = await import("../../../wasm/mod.ts");
  await using component = await loadFilterPlugin(await testComponent("headers"), {
    name: "c",
    logger: () => {},
  });
  assert.equal(component.abi, "component");
  await using core = await loadFilterPlugin(await testFilter("noop"), { name: "p", logger: () => {} });
  assert.equal(core.abi, "0.2.1");
});
