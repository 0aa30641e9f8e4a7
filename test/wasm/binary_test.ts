import assert from "node:assert/strict";
import { compileWat } from "../../filters/toolchain/wat.ts";
import { encodeS32, encodeU32, readU32 } from "../../wasm/binary/leb128.ts";
import { pairsSize, readPairs, serializePairs } from "../../wasm/guest/pairs.ts";
import { FUEL_EXPORT, FuelMeteringError, injectFuelMetering } from "../../wasm/sandbox/fuel.ts";
import { capMemory, MemoryCapError } from "../../wasm/sandbox/memory_cap.ts";

Deno.test("pairs: serialized exactly as the spec lays them out", () => {
  const bytes = serializePairs([":path", "/", "k", "vé"]);
  assert.deepEqual([...bytes], [
    2,
    0,
    0,
    0, // count
    5,
    0,
    0,
    0,
    1,
    0,
    0,
    0, // :path, /
    1,
    0,
    0,
    0,
    3,
    0,
    0,
    0, // k, vé (3 UTF-8 bytes)
    0x3a,
    0x70,
    0x61,
    0x74,
    0x68,
    0,
    0x2f,
    0,
    0x6b,
    0,
    0x76,
    0xc3,
    0xa9,
    0,
  ]);
  assert.equal(pairsSize([":path", "/", "k", "vé"]), bytes.length);
  assert.deepEqual(readPairs(bytes, 0, bytes.length), [":path", "/", "k", "vé"]);
});

Deno.test("pairs: empty maps either way; malformed input is refused", () => {
  assert.deepEqual([...serializePairs([])], [0, 0, 0, 0]);
  assert.deepEqual(readPairs(new Uint8Array(0), 0, 0), []);
  assert.deepEqual(readPairs(new Uint8Array([0]), 0, 1), []);
  assert.deepEqual(readPairs(new Uint8Array([0, 0, 0, 0]), 0, 4), []);
  const good = serializePairs(["a", "b"]);
  assert.equal(readPairs(good, 0, good.length - 1), undefined, "truncated");
  const noNul = good.slice();
  noNul[noNul.length - 1] = 1;
  assert.equal(readPairs(noNul, 0, noNul.length), undefined, "missing NUL");
  assert.equal(readPairs(new Uint8Array([9, 0, 0, 0, 1]), 0, 5), undefined, "count past the end");
});

Deno.test("LEB128 round-trips", () => {
  for (const n of [0, 1, 127, 128, 300, 65535, 2 ** 32 - 1]) {
    assert.equal(readU32(new Uint8Array(encodeU32(n)), 0).value, n);
  }
  assert.deepEqual(encodeS32(-1), [0x7f]);
  assert.deepEqual(encodeS32(64), [0xc0, 0x00]);
  assert.deepEqual(encodeS32(2_000_000_000), [0x80, 0xa8, 0xd6, 0xb9, 0x07]);
});

const SPIN = `(module
  (global $g (import "env" "g") i32)
  (memory (export "memory") 2)
  (global $h (mut i32) (i32.const 5))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "count") (param i32) (result i32) (local i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br $l)))
    (local.get 1))
  (func (export "spin") (loop $l (br $l)))
  (func (export "h") (result i32) (global.get $h)))`;

Deno.test("fuel: loops and calls pay one unit each; running out traps; other globals keep their indices", async () => {
  const metered = injectFuelMetering(await compileWat("spin.wat", SPIN), 1000);
  const { instance } = await WebAssembly.instantiate(metered as Uint8Array<ArrayBuffer>, {
    env: { g: new WebAssembly.Global({ value: "i32", mutable: false }, 0) },
  });
  const x = instance.exports as Record<string, CallableFunction> & { [FUEL_EXPORT]: WebAssembly.Global };
  const fuel = x[FUEL_EXPORT];
  assert.equal(fuel.value, 1000, "the initial fuel");
  assert.equal(x.h(), 5);
  fuel.value = 1_000_000;
  assert.equal(x.count(10), 10);
  assert.equal(fuel.value, 1_000_000 - 1 - 11, "one for the call, one per loop entry");
  fuel.value = 1_000_000;
  assert.equal(x.fib(10), 55);
  assert.equal(fuel.value, 1_000_000 - 177, "one per call");
  fuel.value = 100_000;
  assert.throws(() => x.spin(), WebAssembly.RuntimeError);
  assert.ok((fuel.value as number) < 0);
  fuel.value = 50;
  assert.throws(() => x.count(1000), WebAssembly.RuntimeError);
});

Deno.test("fuel: a module without globals or exports gets both sections; a module exporting the name is refused", async () => {
  const bare = injectFuelMetering(await compileWat("bare.wat", "(module (func (loop)))"), 7);
  const { instance } = await WebAssembly.instantiate(bare as Uint8Array<ArrayBuffer>);
  assert.equal((instance.exports[FUEL_EXPORT] as WebAssembly.Global).value, 7);
  const clash = await compileWat(
    "clash.wat",
    `(module (global (export "${FUEL_EXPORT}") i32 (i32.const 0)))`,
  );
  assert.throws(() => injectFuelMetering(clash, 1), FuelMeteringError);
});

Deno.test("memory cap: the maximum is written into the module; growth past it fails", async () => {
  const wat =
    `(module (memory (export "memory") 2) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;
  const capped = capMemory(await compileWat("mem.wat", wat), 4);
  const { instance } = await WebAssembly.instantiate(capped as Uint8Array<ArrayBuffer>);
  const grow = instance.exports.grow as (n: number) => number;
  assert.equal(grow(2), 2);
  assert.equal(grow(1), -1);
  const declared = capMemory(await compileWat("max.wat", `(module (memory 1 3))`), 100);
  const m = await WebAssembly.instantiate(declared as Uint8Array<ArrayBuffer>);
  assert.ok(m.instance);
  assert.throws(() => capMemory(declared, 0), MemoryCapError);
});
