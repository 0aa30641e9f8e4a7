import assert from "node:assert/strict";
import { CanonicalAbiError, GuestMemory } from "../../../wasm/component/canonical/guest_memory.ts";
import {
  CONTINUE_ACTION,
  liftBodyAction,
  liftHeadersAction,
  liftLocalReplyFlat,
  liftUnitResult,
  storeOptionBytes,
  storeOptionEntry,
  storeOptionString,
  storeOptionU32,
  storeStringPairList,
} from "../../../wasm/component/canonical/world_values.ts";

/** A one-page memory with a bump allocator from 1024 that records its calls. */
function guest() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  let next = 1024;
  const calls: [number, number][] = [];
  const mem = new GuestMemory(memory, (_old, _oldSize, align, size) => {
    calls.push([align, size]);
    next = (next + align - 1) & ~(align - 1);
    const ptr = next;
    next += size;
    return ptr;
  });
  const view = () => new DataView(memory.buffer);
  const put = (at: number, bytes: Uint8Array) => new Uint8Array(memory.buffer).set(bytes, at);
  return { memory, mem, calls, view, put };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("canonical ABI: strings are lifted as UTF-8, ASCII and multi-byte alike", () => {
  const { mem, put } = guest();
  put(16, utf8("x-request-id"));
  assert.equal(mem.string(16, 12), "x-request-id");
  put(64, utf8("grüße, 世界 \u{1F600}"));
  assert.equal(mem.string(64, utf8("grüße, 世界 \u{1F600}").length), "grüße, 世界 \u{1F600}");
  assert.equal(mem.string(0, 0), "");
  put(128, utf8("\uFFFD is fine"));
  assert.equal(mem.string(128, utf8("\uFFFD is fine").length), "\uFFFD is fine");
});

Deno.test("canonical ABI: invalid UTF-8, out-of-bounds and misaligned values are errors (traps)", () => {
  const { mem, put } = guest();
  put(16, new Uint8Array([0x61, 0xff, 0x62]));
  assert.throws(() => mem.string(16, 3), CanonicalAbiError);
  assert.throws(() => mem.string(65530, 10), /outside the guest memory/);
  assert.throws(() => mem.bytesAt(-1 >>> 0, 1), CanonicalAbiError);
  assert.throws(() => mem.stringList(2, 1), /not 4-byte aligned/);
  assert.throws(() => liftHeadersAction(mem, 6), /not 4-byte aligned/);
});

Deno.test("canonical ABI: list<u8>, list<string> and list<tuple<string, string>> are lifted", () => {
  const { mem, put, view } = guest();
  put(100, new Uint8Array([1, 2, 3]));
  assert.deepEqual(mem.bytesAt(100, 3), new Uint8Array([1, 2, 3]));
  put(200, utf8("requestpath"));
  view().setUint32(300, 200, true);
  view().setUint32(304, 7, true);
  view().setUint32(308, 207, true);
  view().setUint32(312, 4, true);
  assert.deepEqual(mem.stringList(300, 2), ["request", "path"]);
  assert.deepEqual(mem.stringPairs(300, 1), ["request", "path"]);
  assert.deepEqual(mem.stringList(300, 0), []);
});

Deno.test("canonical ABI: lowering allocates through cabi_realloc with each type's alignment", () => {
  const { mem, calls, view } = guest();
  storeOptionString(mem, 16, "héllo");
  assert.equal(view().getUint8(16), 1);
  const ptr = view().getUint32(20, true);
  assert.equal(view().getUint32(24, true), 6);
  assert.equal(mem.string(ptr, 6), "héllo");
  assert.deepEqual(calls, [[1, 6]]);

  storeStringPairList(mem, 32, [":path", "/a", "x-b", "c"]);
  const list = view().getUint32(32, true);
  assert.equal(view().getUint32(36, true), 2);
  assert.equal(list % 4, 0);
  assert.deepEqual(mem.stringPairs(list, 2), [":path", "/a", "x-b", "c"]);
  assert.deepEqual(calls.slice(1), [[4, 32], [1, 5], [1, 2], [1, 3], [1, 1]]);

  storeOptionBytes(mem, 48, new Uint8Array(0));
  assert.equal(view().getUint8(48), 1);
  assert.equal(view().getUint32(56, true), 0);
  assert.deepEqual(calls.at(-1), [1, 0]);
});

Deno.test("canonical ABI: options store none as a zero discriminant and leave the payload alone", () => {
  const { mem, view } = guest();
  view().setUint32(20, 0xdeadbeef, true);
  view().setUint8(16, 7);
  storeOptionString(mem, 16, undefined);
  assert.equal(view().getUint8(16), 0);
  assert.equal(view().getUint32(20, true), 0xdeadbeef);
  storeOptionU32(mem, 32, 42);
  assert.deepEqual([view().getUint8(32), view().getUint32(36, true)], [1, 42]);
  storeOptionEntry(mem, 48, { value: new Uint8Array([9, 8]), cas: 77 });
  assert.equal(view().getUint8(48), 1);
  assert.deepEqual(
    mem.bytesAt(view().getUint32(52, true), view().getUint32(56, true)),
    new Uint8Array([9, 8]),
  );
  assert.equal(view().getUint32(60, true), 77);
  storeOptionEntry(mem, 64, undefined);
  assert.equal(view().getUint8(64), 0);
});

/** Writes a local-reply record at `at`: status, headers, body and details stored at 2048+. */
function writeReply(
  g: ReturnType<typeof guest>,
  at: number,
  status: number,
  headers: [string, string][],
  body: string,
  details: string,
): void {
  const v = g.view();
  let heap = 2048;
  const str = (s: string): [number, number] => {
    const bytes = utf8(s);
    g.put(heap, bytes);
    const r: [number, number] = [heap, bytes.length];
    heap += bytes.length + 3 & ~3;
    return r;
  };
  const list = 4000;
  headers.forEach(([name, value], i) => {
    const [np, nl] = str(name);
    const [vp, vl] = str(value);
    v.setUint32(list + i * 16, np, true);
    v.setUint32(list + i * 16 + 4, nl, true);
    v.setUint32(list + i * 16 + 8, vp, true);
    v.setUint32(list + i * 16 + 12, vl, true);
  });
  const [bp, bl] = str(body);
  const [dp, dl] = str(details);
  v.setUint16(at, status, true);
  v.setUint32(at + 4, list, true);
  v.setUint32(at + 8, headers.length, true);
  v.setUint32(at + 12, bp, true);
  v.setUint32(at + 16, bl, true);
  v.setUint32(at + 20, dp, true);
  v.setUint32(at + 24, dl, true);
}

Deno.test("canonical ABI: headers-action variants lift to jco's shapes; a bad discriminant is an error", () => {
  const g = guest();
  g.view().setUint8(64, 0);
  assert.equal(liftHeadersAction(g.mem, 64), CONTINUE_ACTION);
  g.view().setUint8(96, 1);
  writeReply(g, 100, 403, [["content-type", "text/plain"], ["x-why", "acl"]], "no", "denied");
  assert.deepEqual(liftHeadersAction(g.mem, 96), {
    tag: "reply",
    val: {
      status: 403,
      headers: [["content-type", "text/plain"], ["x-why", "acl"]],
      body: utf8("no"),
      details: "denied",
    },
  });
  g.view().setUint8(128, 2);
  assert.throws(() => liftHeadersAction(g.mem, 128), /headers-action: discriminant 2 is out of range/);
});

Deno.test("canonical ABI: body-action variants (continue, replace, buffer, reply) lift", () => {
  const g = guest();
  const v = g.view();
  v.setUint8(64, 0);
  assert.deepEqual(liftBodyAction(g.mem, 64), { tag: "continue" });
  g.put(512, utf8("new body"));
  v.setUint8(96, 1);
  v.setUint32(100, 512, true);
  v.setUint32(104, 8, true);
  assert.deepEqual(liftBodyAction(g.mem, 96), { tag: "replace", val: utf8("new body") });
  v.setUint8(128, 2);
  assert.deepEqual(liftBodyAction(g.mem, 128), { tag: "buffer" });
  v.setUint8(160, 3);
  writeReply(g, 164, 413, [], "", "");
  assert.deepEqual(liftBodyAction(g.mem, 160), {
    tag: "reply",
    val: { status: 413, headers: [], body: new Uint8Array(0), details: "" },
  });
  v.setUint8(192, 4);
  assert.throws(() => liftBodyAction(g.mem, 192), CanonicalAbiError);
});

Deno.test("canonical ABI: result<_, string> and a flat local-reply (send-reply's parameters) lift", () => {
  const g = guest();
  g.view().setUint8(64, 0);
  assert.equal(liftUnitResult(g.mem, 64), undefined);
  g.put(512, utf8("bad config"));
  g.view().setUint8(96, 1);
  g.view().setUint32(100, 512, true);
  g.view().setUint32(104, 10, true);
  assert.equal(liftUnitResult(g.mem, 96), "bad config");
  g.put(600, utf8("gone"));
  assert.deepEqual(liftLocalReplyFlat(g.mem, 0x10000 + 410, 0, 0, 600, 4, 0, 0), {
    status: 410,
    headers: [],
    body: utf8("gone"),
    details: "",
  });
});

Deno.test("canonical ABI: a lowering that grows the guest memory still writes into the new buffer", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const mem = new GuestMemory(memory, (_o, _s, _a, size) => {
    const ptr = memory.buffer.byteLength;
    memory.grow(Math.ceil(size / 65536) || 1);
    return ptr;
  });
  const big = new Uint8Array(70_000).fill(7);
  const ptr = mem.lowerBytes(big);
  assert.equal(ptr, 65536);
  assert.deepEqual(mem.bytesAt(ptr + 69_999, 1), new Uint8Array([7]));
});
