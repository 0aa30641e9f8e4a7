/**
 * UTF-8 between JS strings and guest memory, with a fast path for the short ASCII strings that header names
 * and values almost always are (a per-string `TextEncoder`/`TextDecoder` call costs more than the copy).
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });
const SHORT = 64;

/** The UTF-8 length of `s`. */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) len += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2;
        i++;
      } else len += 2;
    } else len += 2;
  }
  return len;
}

/** Writes `s` as UTF-8 into `out` at `at` (room for {@linkcode utf8Length} bytes must be there); returns the end. */
export function writeUtf8(out: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return at - i + encoder.encodeInto(s, out.subarray(at - i)).written;
    out[at++] = c;
  }
  return at;
}

/**
 * Short ASCII strings read from guests, interned: filters pass the same names and values request after
 * request, and finding them again (one compare) is cheaper than decoding them (a typed-array view plus
 * `fromCharCode`). A direct-mapped table keyed by length and the first, middle and last bytes; a collision
 * replaces the entry.
 */
const TABLE_SIZE = 4096;
const table: (string | undefined)[] = new Array(TABLE_SIZE).fill(undefined);

function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** The ASCII string in `bytes[start, end)`, lowercased if `lower`; undefined when a byte is not ASCII. */
function internAscii(bytes: Uint8Array, start: number, end: number, lower: boolean): string | undefined {
  const n = end - start;
  const a = lower ? lowerByte(bytes[start]) : bytes[start];
  const z = lower ? lowerByte(bytes[end - 1]) : bytes[end - 1];
  const m = lower ? lowerByte(bytes[start + (n >> 1)]) : bytes[start + (n >> 1)];
  const slot = ((n * 31 + a) * 31 + z) * 31 + m & (TABLE_SIZE - 1);
  const candidate = table[slot];
  if (candidate !== undefined && candidate.length === n) {
    let i = 0;
    for (; i < n; i++) {
      const c = lower ? lowerByte(bytes[start + i]) : bytes[start + i];
      if (candidate.charCodeAt(i) !== c) break;
    }
    if (i === n) return candidate;
  }
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return undefined;
  let s = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  if (lower) s = s.toLowerCase();
  table[slot] = s;
  return s;
}

/** The string in `bytes[start, end)`, invalid sequences replaced as `TextDecoder` does. */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end === start) return "";
  if (end - start <= SHORT) {
    const s = internAscii(bytes, start, end, false);
    if (s !== undefined) return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/** {@linkcode readUtf8} lowercased, for header names. */
export function readLowercase(bytes: Uint8Array, start: number, end: number): string {
  if (end === start) return "";
  if (end - start <= SHORT) {
    const s = internAscii(bytes, start, end, true);
    if (s !== undefined) return s;
  }
  return decoder.decode(bytes.subarray(start, end)).toLowerCase();
}

/** `s` as UTF-8 bytes. */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}
