/**
 * Unsigned LEB128, the variable-length integers of the WebAssembly binary format.
 * @module
 */

/** A decoded integer and the offset just past it. */
export interface Leb128Read {
  /** The value. */
  value: number;
  /** The offset of the byte after the encoding. */
  next: number;
}

/**
 * Reads an unsigned LEB128 integer of at most 32 bits at `offset`.
 * @throws {RangeError} when the encoding runs past the end or past 5 bytes.
 */
export function readU32(bytes: Uint8Array, offset: number): Leb128Read {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && i < offset + 5; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new RangeError(`Cannot read a LEB128 integer at offset ${offset}`);
}

/** The unsigned LEB128 encoding of `value` (0 to 2^32-1). */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/**
 * The offset after the LEB128 integer (signed or unsigned, any width) at `offset`.
 * @throws {RangeError} when it runs past the end or past 10 bytes.
 */
export function skipLeb(bytes: Uint8Array, offset: number): number {
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    if ((bytes[i] & 0x80) === 0) return i + 1;
  }
  throw new RangeError(`Cannot read a LEB128 integer at offset ${offset}`);
}

/** The signed LEB128 encoding of the 32-bit integer `value`. */
export function encodeS32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  while (true) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
