// IP addresses and CIDR ranges, IPv4 and IPv6 (IPv4 is held as IPv4-mapped IPv6, so "10.0.0.0/8" also
// matches "::ffff:10.1.2.3").

function parseV4(text: string, out: StaticArray<u8>, at: i32): bool {
  const parts = text.split(".");
  if (parts.length != 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 3) return false;
    let n = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c < 0x30 || c > 0x39) return false;
      n = n * 10 + (c - 0x30);
    }
    if (n > 255) return false;
    out[at + i] = <u8>n;
  }
  return true;
}

function hexGroup(p: string): i32 {
  if (p.length == 0 || p.length > 4) return -1;
  let n = 0;
  for (let j = 0; j < p.length; j++) {
    const c = p.charCodeAt(j);
    let d = -1;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    if (d < 0) return -1;
    n = n * 16 + d;
  }
  return n;
}

/** Parses groups of an IPv6 half into `out` from `at`; returns bytes written, or -1. */
function parseGroups(text: string, out: StaticArray<u8>, at: i32, allowV4Tail: bool): i32 {
  if (text.length == 0) return 0;
  const groups = text.split(":");
  let written = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (allowV4Tail && i == groups.length - 1 && g.includes(".")) {
      if (at + written + 4 > 16 || !parseV4(g, out, at + written)) return -1;
      written += 4;
      continue;
    }
    const n = hexGroup(g);
    if (n < 0 || at + written + 2 > 16) return -1;
    out[at + written] = <u8>(n >> 8);
    out[at + written + 1] = <u8>(n & 0xff);
    written += 2;
  }
  return written;
}

/** `text` as 16 bytes (IPv4 mapped into IPv6), or null when it is not an IP address. */
export function parseIp(text: string): StaticArray<u8> | null {
  const out = new StaticArray<u8>(16);
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length - 1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.substring(0, zone);
  if (!s.includes(":")) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseV4(s, out, 12) ? out : null;
  }
  const gap = s.indexOf("::");
  if (gap < 0) return parseGroups(s, out, 0, true) == 16 ? out : null;
  if (s.indexOf("::", gap + 1) >= 0) return null;
  const head = new StaticArray<u8>(16);
  const tail = new StaticArray<u8>(16);
  const h = parseGroups(s.substring(0, gap), head, 0, false);
  const t = parseGroups(s.substring(gap + 2), tail, 0, true);
  if (h < 0 || t < 0 || h + t > 14) return null;
  for (let i = 0; i < h; i++) out[i] = head[i];
  for (let i = 0; i < t; i++) out[16 - t + i] = tail[i];
  return out;
}

/** An address range. */
export class Cidr {
  constructor(public readonly base: StaticArray<u8>, public readonly bits: i32) {}

  /** `"10.0.0.0/8"`, `"2001:db8::/32"`, or a single address; null when invalid. */
  static parse(text: string): Cidr | null {
    const slash = text.indexOf("/");
    const ip = parseIp(slash < 0 ? text : text.substring(0, slash));
    if (ip === null) return null;
    const v4 = !text.substring(0, slash < 0 ? text.length : slash).includes(":");
    let bits = 128;
    if (slash >= 0) {
      const b = text.substring(slash + 1);
      if (b.length == 0 || b.length > 3) return null;
      bits = 0;
      for (let i = 0; i < b.length; i++) {
        const c = b.charCodeAt(i);
        if (c < 0x30 || c > 0x39) return null;
        bits = bits * 10 + (c - 0x30);
      }
      if (bits > (v4 ? 32 : 128)) return null;
      if (v4) bits += 96;
    }
    return new Cidr(ip, bits);
  }

  /** Whether address `ip` (text) is in the range; false when it is not an address. */
  contains(ip: string): bool {
    const a = parseIp(ip);
    return a !== null && this.containsBytes(a);
  }

  /** Whether the 16-byte address is in the range. */
  containsBytes(a: StaticArray<u8>): bool {
    let left = this.bits;
    for (let i = 0; i < 16 && left > 0; i++) {
      const mask: u8 = left >= 8 ? <u8>0xff : <u8>(0xff << <u8>(8 - left));
      if ((a[i] & mask) != (this.base[i] & mask)) return false;
      left -= 8;
    }
    return true;
  }
}
