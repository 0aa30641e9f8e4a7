/**
 * Property values encoded as Envoy hands them to filters: strings and bytes raw, integers as 8-byte
 * little-endian (signed or unsigned), doubles as 8-byte IEEE, booleans as one byte, timestamps and durations
 * as 8-byte nanoseconds, maps as serialized pairs and lists as pairs with empty values.
 * @module
 */
import { serializePairs } from "../guest/pairs.ts";
import { encodeUtf8 } from "../guest/utf8.ts";
import type { PropertyValue } from "./stream_info.ts";

/** A string as UTF-8. */
export function encodeString(s: string): Uint8Array {
  return encodeUtf8(s);
}

/** An int64 (or uint64) as 8 little-endian bytes. */
export function encodeInt64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)), true);
  return out;
}

/** A double as 8 little-endian bytes. */
export function encodeDouble(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, n, true);
  return out;
}

/** A boolean as one byte. */
export function encodeBool(b: boolean): Uint8Array {
  return new Uint8Array([b ? 1 : 0]);
}

/** Milliseconds (since the epoch, or of duration) as int64 nanoseconds. */
export function encodeMillisAsNanos(ms: number): Uint8Array {
  const whole = Math.floor(ms);
  return encodeInt64(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1_000_000)));
}

/** A map as serialized pairs. */
export function encodeMap(map: ReadonlyMap<string, string>): Uint8Array {
  const fields: string[] = [];
  for (const [k, v] of map) fields.push(k, v);
  return serializePairs(fields);
}

/** A list of strings as serialized pairs whose values are empty. */
export function encodeList(items: readonly string[]): Uint8Array {
  const fields: string[] = [];
  for (const item of items) fields.push(item, "");
  return serializePairs(fields);
}

/** Any {@linkcode PropertyValue}: a number is an int64 when it is an integer, a double otherwise. */
export function encodeValue(value: PropertyValue): Uint8Array {
  if (typeof value === "string") return encodeString(value);
  if (typeof value === "boolean") return encodeBool(value);
  if (typeof value === "bigint") return encodeInt64(value);
  if (typeof value === "number") return Number.isInteger(value) ? encodeInt64(value) : encodeDouble(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) return encodeMillisAsNanos(value.getTime());
  if (Array.isArray(value)) return encodeList(value as readonly string[]);
  return encodeMap(value as ReadonlyMap<string, string>);
}
