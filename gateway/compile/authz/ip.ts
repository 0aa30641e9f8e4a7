/**
 * IP addresses and CIDR ranges as Envoy's RBAC compares them (`source.ip`, `remote.ip`, `destination.ip`,
 * `ipBlocks`): IPv4 and IPv6 are separate families (an IPv4-mapped IPv6 address is IPv6), a bare address is a
 * full-length range, and host bits past the prefix are ignored.
 * @module
 */

/** A parsed address: IPv4 as one 32-bit word, IPv6 as four. */
export interface IpAddress {
  readonly v6: boolean;
  readonly words: readonly number[];
}

/** A CIDR range: an address and how many leading bits must match. */
export interface CidrRange extends IpAddress {
  readonly prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses an IPv4 or IPv6 address (a zone `%eth0` is dropped); undefined when it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { v6: false, words: [v4] };
  const words = parseV6(text);
  return words && { v6: true, words };
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a full-length range); undefined when invalid. */
export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf("/");
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.v6 ? 128 : 32;
  if (slash < 0) return { ...ip, prefix: max };
  const bits = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return prefix >= 0 && prefix <= max ? { ...ip, prefix } : undefined;
}

/** Whether `ip` lies in `range` (always false across families). */
export function inRange(ip: IpAddress, range: CidrRange): boolean {
  if (ip.v6 !== range.v6) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((ip.words[i] ^ range.words[i]) & mask) >>> 0 !== 0) return false;
  }
  return true;
}

function parseV4(text: string): number | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

function parseV6(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  let s = zone < 0 ? text : text.slice(0, zone);
  if (!s.includes(":")) return undefined;
  const groups: number[] = [];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseV4(tail);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const rest = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  for (const part of [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return [0, 1, 2, 3].map((i) => ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0);
}
