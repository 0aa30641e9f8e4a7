// Memory plumbing between the SDK and the host: return slots, UTF-8, and the Proxy-Wasm pair encoding.

/** Slots the host writes (pointer, length) results into. */
export const RET_PTR: usize = memory.data(8);
export const RET_LEN: usize = memory.data(8);
/** A slot for an extra u32/u64 result (token, CAS, id, metric value). */
export const RET_EXTRA: usize = memory.data(8);

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** The address of `b`'s data. */
export function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

/** The bytes the host returned in the slots (copied; the host's block is freed). */
export function takeBytes(): ArrayBuffer {
  const p = load<usize>(RET_PTR);
  const n = load<usize>(RET_LEN);
  const out = new ArrayBuffer(<i32>n);
  if (n > 0) memory.copy(changetype<usize>(out), p, n);
  if (p != 0) heap.free(p);
  return out;
}

/** The UTF-8 text the host returned in the slots (the host's block is freed). */
export function takeString(): string {
  const p = load<usize>(RET_PTR);
  const n = load<usize>(RET_LEN);
  const s = n > 0 ? String.UTF8.decodeUnsafe(p, n) : "";
  if (p != 0) heap.free(p);
  return s;
}

/** A header or any name/value pair. */
export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/** `[name, value, name, value, …]` as pairs. */
export function pairs(flat: string[]): HeaderPair[] {
  const out = new Array<HeaderPair>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(new HeaderPair(flat[i], flat[i + 1]));
  return out;
}

/** Pairs in the Proxy-Wasm encoding: count, (name length, value length)×count, then `name\0value\0`…. */
export function serializePairs(list: HeaderPair[]): ArrayBuffer {
  const count = list.length;
  const names = new Array<ArrayBuffer>(count);
  const values = new Array<ArrayBuffer>(count);
  let size = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    names[i] = utf8(list[i].name);
    values[i] = utf8(list[i].value);
    size += names[i].byteLength + values[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, count);
  let sizes = base + 4;
  let data = base + 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const n = names[i];
    const v = values[i];
    store<u32>(sizes, n.byteLength);
    store<u32>(sizes + 4, v.byteLength);
    sizes += 8;
    memory.copy(data, changetype<usize>(n), n.byteLength);
    data += n.byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(v), v.byteLength);
    data += v.byteLength;
    store<u8>(data++, 0);
  }
  return out;
}

/** Pairs from the Proxy-Wasm encoding. */
export function parsePairs(buf: ArrayBuffer): HeaderPair[] {
  const out = new Array<HeaderPair>();
  if (buf.byteLength < 4) return out;
  const base = changetype<usize>(buf);
  const end = base + <usize>buf.byteLength;
  const count = load<u32>(base);
  let sizes = base + 4;
  let data = base + 4 + <usize>count * 8;
  for (let i: u32 = 0; i < count; i++) {
    const n = load<u32>(sizes);
    const v = load<u32>(sizes + 4);
    sizes += 8;
    if (data + n + v + 2 > end) break;
    const name = String.UTF8.decodeUnsafe(data, n);
    data += n + 1;
    const value = String.UTF8.decodeUnsafe(data, v);
    data += v + 1;
    out.push(new HeaderPair(name, value));
  }
  return out;
}
