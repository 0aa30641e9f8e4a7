/**
 * CEL's standard functions that telemetry expressions use: `size`, the string tests (`startsWith`, `endsWith`,
 * `contains`, `matches` with RE2), and the conversions `int`, `uint`, `double`, `string`, `bool`, `duration`,
 * `timestamp`.
 * @module
 */
import { RE2JS } from "re2js";
import { parseDuration } from "../../config/duration.ts";
import {
  CelDuration,
  CelError,
  type CelResult,
  CelTimestamp,
  type CelValue,
  isMap,
  printValue,
  typeName,
} from "./values.ts";

/** A function over evaluated arguments (the receiver first, for method calls). */
export type CelFunction = (args: readonly CelValue[]) => CelResult;

/** Functions by name, with the argument counts they accept (receiver included). */
export const FUNCTIONS: ReadonlyMap<string, { readonly arity: readonly number[]; readonly fn: CelFunction }> =
  new Map([
    ["size", { arity: [1], fn: size }],
    ["startsWith", { arity: [2], fn: strings((s, p) => s.startsWith(p)) }],
    ["endsWith", { arity: [2], fn: strings((s, p) => s.endsWith(p)) }],
    ["contains", { arity: [2], fn: strings((s, p) => s.includes(p)) }],
    ["matches", { arity: [2], fn: strings((s, p) => compileRegex(p).test(s)) }],
    ["int", { arity: [1], fn: toInt }],
    ["uint", { arity: [1], fn: toUint }],
    ["double", { arity: [1], fn: toDouble }],
    ["string", {
      arity: [1],
      fn: ([v]) => (isMap(v) || Array.isArray(v) ? noOverload("string", v) : printString(v)),
    }],
    ["bool", { arity: [1], fn: toBool }],
    ["duration", { arity: [1], fn: toDuration }],
    ["timestamp", { arity: [1], fn: toTimestamp }],
  ]);

const REGEX_CACHE = new Map<string, RE2JS>();
const REGEX_CACHE_LIMIT = 1000;

/** Compiles (and caches) an RE2 pattern; throws on an invalid one. */
export function compileRegex(pattern: string): RE2JS {
  let re = REGEX_CACHE.get(pattern);
  if (!re) {
    if (REGEX_CACHE.size >= REGEX_CACHE_LIMIT) REGEX_CACHE.clear();
    re = RE2JS.compile(pattern);
    REGEX_CACHE.set(pattern, re);
  }
  return re;
}

function noOverload(fn: string, ...args: CelValue[]): CelError {
  return new CelError(`no matching overload for '${fn}' applied to (${args.map(typeName).join(", ")})`);
}

function size([v]: readonly CelValue[]): CelResult {
  if (typeof v === "string") return BigInt([...v].length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (isMap(v)) return BigInt(v.size());
  return noOverload("size", v);
}

function strings(test: (s: string, arg: string) => boolean): CelFunction {
  return ([s, arg]) => {
    if (typeof s !== "string" || typeof arg !== "string") return noOverload("string function", s, arg);
    try {
      return test(s, arg);
    } catch (e) {
      return new CelError(e instanceof Error ? e.message : String(e));
    }
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt([v]: readonly CelValue[]): CelResult {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return new CelError("double out of int range");
    const n = BigInt(Math.trunc(v));
    return n < INT64_MIN || n > INT64_MAX ? new CelError("double out of int range") : n;
  }
  if (typeof v === "string") {
    return /^[+-]?\d+$/.test(v) ? BigInt(v) : new CelError(`cannot convert '${v}' to int`);
  }
  if (v instanceof CelTimestamp) return BigInt(Math.floor(v.ms / 1000));
  return noOverload("int", v);
}

function toUint(args: readonly CelValue[]): CelResult {
  const n = toInt(args);
  if (typeof n === "bigint" && n < 0n) return new CelError("uint out of range");
  return n;
}

function toDouble([v]: readonly CelValue[]): CelResult {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const n = Number(v);
    return v.trim() !== "" && !Number.isNaN(n) ? n : new CelError(`cannot convert '${v}' to double`);
  }
  return noOverload("double", v);
}

function toBool([v]: readonly CelValue[]): CelResult {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    if (["true", "True", "TRUE", "t", "1"].includes(v)) return true;
    if (["false", "False", "FALSE", "f", "0"].includes(v)) return false;
    return new CelError(`cannot convert '${v}' to bool`);
  }
  return noOverload("bool", v);
}

function toDuration([v]: readonly CelValue[]): CelResult {
  if (v instanceof CelDuration) return v;
  if (typeof v !== "string") return noOverload("duration", v);
  const negative = v.startsWith("-");
  const ms = parseDuration(negative ? v.slice(1) : v);
  return ms === undefined ? new CelError(`invalid duration '${v}'`) : new CelDuration(negative ? -ms : ms);
}

function toTimestamp([v]: readonly CelValue[]): CelResult {
  if (v instanceof CelTimestamp) return v;
  if (typeof v !== "string") return noOverload("timestamp", v);
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? new CelError(`invalid timestamp '${v}'`) : new CelTimestamp(ms);
}

/** `string(v)`: CEL's conversion, which prints doubles in full precision unlike Envoy's tag printing. */
function printString(v: CelValue): string {
  return typeof v === "number" ? String(v) : printValue(v);
}
