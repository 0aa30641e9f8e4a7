/**
 * Trace and span identifiers as lowercase hex: random ones drawn from a pooled `crypto.getRandomValues` buffer
 * (one system call per 512 ids), and the checks the propagation formats need.
 * @module
 */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL = new Uint8Array(4096);
let at = POOL.length;

function hexBytes(n: number): string {
  if (at + n > POOL.length) {
    crypto.getRandomValues(POOL);
    at = 0;
  }
  let out = "";
  for (let i = 0; i < n; i++) out += HEX[POOL[at + i]];
  at += n;
  return out;
}

/** A random 64-bit span id (16 hex digits), never all zeros. */
export function randomSpanId(): string {
  for (;;) {
    const id = hexBytes(8);
    if (!isAllZeros(id)) return id;
  }
}

/** A random 128-bit trace id (32 hex digits), never all zeros. */
export function randomTraceId(): string {
  for (;;) {
    const id = hexBytes(16);
    if (!isAllZeros(id)) return id;
  }
}

const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/** Whether `s` is a non-empty run of hex digits (either case, as Envoy's `isxdigit`). */
export function isHex(s: string): boolean {
  return HEX_DIGITS.test(s);
}

/** Whether `s` consists of `0` only. */
export function isAllZeros(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 48) return false;
  return true;
}
