/**
 * The hash the consistent-hash balancers use: a 53-bit non-cryptographic string hash (two 32-bit FNV-style
 * lanes, each finished with the murmur3 avalanche step) so ring positions and table indices fit in a JS number.
 *
 * Envoy uses xxHash64 for the same purpose; the values differ, so a key lands on a different endpoint than it
 * would behind Envoy, but assignment is just as stable between Portcullis replicas running the same version.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";

const TWO_32 = 0x1_0000_0000;
const LOW_21 = 0x1f_ffff;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function lanes(text: string, seed: number): [number, number] {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x9e3779b9 ^ Math.imul(seed, 0x27d4eb2f)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = fmix32(a ^ text.length);
  b = fmix32(b ^ a);
  a = fmix32(a ^ b);
  return [a, b];
}

/** A hash of `text` in `[0, 2^53)`; `seed` selects an independent hash function. */
export function hash53(text: string, seed = 0): number {
  const [a, b] = lanes(text, seed);
  return (b & LOW_21) * TWO_32 + a;
}

/**
 * The `k`th 32-bit point derived from a 53-bit `base` hash: distinct for distinct `k` (below 2^32) and
 * unrelated between bases. Cheaper than hashing `${key}_${k}` for each of a ring's points.
 */
export function derivedPoint(base: number, k: number): number {
  const lo = base % TWO_32;
  const hi = Math.floor(base / TWO_32);
  return fmix32(((lo ^ Math.imul(k, 0x85ebca77)) + Math.imul(hi, 0x27d4eb2f)) | 0);
}

/** A 64-bit hash of `text` as 16 lowercase hex digits (the shape of Envoy's generated cookie values). */
export function hashHex64(text: string): string {
  const [a, b] = lanes(text, 0);
  return b.toString(16).padStart(8, "0") + a.toString(16).padStart(8, "0");
}

/** The hash of a request's hash key: strings are hashed, bigints are taken as precomputed hashes (low 53 bits). */
export function keyHash(key: string | bigint): number {
  return typeof key === "bigint" ? Number(BigInt.asUintN(53, key)) : hash53(key);
}

/** An endpoint's identity across snapshots: `address:port` (the connection pool's key too). */
export function endpointKey(endpoint: Endpoint): string {
  return `${endpoint.address}:${endpoint.port}`;
}

/** An endpoint's load-balancing weight: Envoy requires at least 1, so missing or non-positive weights read as 1. */
export function endpointWeight(endpoint: Endpoint): number {
  const w = endpoint.weight;
  return Number.isFinite(w) && w > 0 ? w : 1;
}
