/**
 * The Proxy-Wasm serialization of a header map (and of property maps): a u32 pair count, then each pair's
 * u32 key length and u32 value length, then each `key\0value\0`; all integers little-endian.
 * @module
 */
import { readUtf8, utf8Length, writeUtf8 } from "./utf8.ts";

/** The serialized size of `fields` (`[name, value, name, value, …]`). */
export function pairsSize(fields: readonly string[]): number {
  let size = 4 + (fields.length >> 1) * 8;
  for (let i = 0; i < fields.length; i++) size += utf8Length(fields[i]) + 1;
  return size;
}

/** Writes `fields` serialized into `out` at `at` (`pairsSize(fields)` bytes must be there). */
export function writePairs(out: Uint8Array, at: number, fields: readonly string[]): void {
  const count = fields.length >> 1;
  writeU32(out, at, count);
  let sizes = at + 4;
  let data = sizes + count * 8;
  for (let i = 0; i < fields.length; i++) {
    const start = data;
    data = writeUtf8(out, data, fields[i]);
    writeU32(out, sizes, data - start);
    sizes += 4;
    out[data++] = 0;
  }
}

/** `fields` serialized as a new buffer. */
export function serializePairs(fields: readonly string[]): Uint8Array {
  const out = new Uint8Array(pairsSize(fields));
  writePairs(out, 0, fields);
  return out;
}

/**
 * The flat `[name, value, …]` list serialized in `bytes[start, start + len)`; undefined when malformed
 * (sizes past the end, a missing NUL). Zero bytes, or a count of 0, is an empty map.
 */
export function readPairs(bytes: Uint8Array, start: number, len: number): string[] | undefined {
  if (len === 0) return [];
  if (len < 4) return len === 1 && bytes[start] === 0 ? [] : undefined;
  const end = start + len;
  const count = readU32(bytes, start);
  let sizes = start + 4;
  let data = sizes + count * 8;
  if (data > end) return undefined;
  const fields: string[] = new Array(count * 2);
  for (let i = 0; i < count * 2; i++) {
    const size = readU32(bytes, sizes);
    sizes += 4;
    if (data + size + 1 > end || bytes[data + size] !== 0) return undefined;
    fields[i] = readUtf8(bytes, data, data + size);
    data += size + 1;
  }
  return fields;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
