/**
 * CEL values as the telemetry expressions see them: `bigint` for int and uint, `number` for double, strings,
 * booleans, null, durations, timestamps, lists and maps. Errors are values too ({@link CelError}), so that
 * `&&` and `||` can absorb them as CEL specifies.
 * @module
 */

/** An evaluation error (no such attribute, no such key, no matching overload, ...). */
export class CelError {
  constructor(readonly message: string) {}
}

/** A CEL `google.protobuf.Duration`. */
export class CelDuration {
  constructor(readonly ms: number) {}
}

/** A CEL `google.protobuf.Timestamp`. */
export class CelTimestamp {
  constructor(readonly ms: number) {}
}

/** A map or message: keyed lookup, membership, size and keys. */
export interface CelMap {
  get(key: CelKey): CelValue | undefined;
  size(): number;
  keys(): Iterable<CelKey>;
}

/** The key types of a CEL map. */
export type CelKey = string | bigint | boolean;

/** A CEL value. */
export type CelValue =
  | string
  | bigint
  | number
  | boolean
  | null
  | CelDuration
  | CelTimestamp
  | readonly CelValue[]
  | CelMap;

/** A value or an error, what every evaluation step returns. */
export type CelResult = CelValue | CelError;

/** A map over a JavaScript Map. */
export class PlainCelMap implements CelMap {
  constructor(private readonly entries: ReadonlyMap<CelKey, CelValue>) {}
  get(key: CelKey): CelValue | undefined {
    return this.entries.get(key);
  }
  size(): number {
    return this.entries.size;
  }
  keys(): Iterable<CelKey> {
    return this.entries.keys();
  }
}

/** A read-only CEL map over a record of strings (labels, metadata). */
export function stringMap(record: Readonly<Record<string, string>>): CelMap {
  return new PlainCelMap(new Map(Object.entries(record)));
}

/** True for a map or message value. */
export function isMap(v: CelResult): v is CelMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof CelError) &&
    !(v instanceof CelDuration) && !(v instanceof CelTimestamp);
}

/** The CEL type name of a value, for error messages and `print`. */
export function typeName(v: CelValue): string {
  if (v === null) return "null_type";
  switch (typeof v) {
    case "string":
      return "string";
    case "bigint":
      return "int";
    case "number":
      return "double";
    case "boolean":
      return "bool";
  }
  if (v instanceof CelDuration) return "google.protobuf.Duration";
  if (v instanceof CelTimestamp) return "google.protobuf.Timestamp";
  return Array.isArray(v) ? "list" : "map";
}

/** CEL equality: numbers compare across int and double; lists and maps compare element-wise. */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return numericCompare(a, b) === 0;
  if (a instanceof CelDuration && b instanceof CelDuration) return a.ms === b.ms;
  if (a instanceof CelTimestamp && b instanceof CelTimestamp) return a.ms === b.ms;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    if (a.size() !== b.size()) return false;
    for (const k of a.keys()) {
      const other = b.get(k);
      if (other === undefined || !celEquals(a.get(k)!, other)) return false;
    }
    return true;
  }
  return a === b;
}

/** CEL ordering of two values of comparable types; an error for other pairs. */
export function celCompare(a: CelValue, b: CelValue): number | CelError {
  if (isNumeric(a) && isNumeric(b)) return numericCompare(a, b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (
    (a instanceof CelDuration && b instanceof CelDuration) ||
    (a instanceof CelTimestamp && b instanceof CelTimestamp)
  ) {
    return Math.sign(a.ms - b.ms);
  }
  return new CelError(`no such overload: ${typeName(a)} < ${typeName(b)}`);
}

function isNumeric(v: CelValue): v is bigint | number {
  return typeof v === "bigint" || typeof v === "number";
}

function numericCompare(a: bigint | number, b: bigint | number): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A value as Envoy prints it for a metric tag or the `%CEL%` operator: strings as they are, numbers in decimal
 * (doubles with up to six significant digits), booleans as `true`/`false`, durations like `1.5s`, timestamps in
 * RFC 3339, other types as `<type> value`.
 */
export function printValue(v: CelValue): string {
  switch (typeof v) {
    case "string":
      return v;
    case "bigint":
      return v.toString();
    case "number":
      return printDouble(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v instanceof CelDuration) return printDuration(v.ms);
  if (v instanceof CelTimestamp) return new Date(v.ms).toISOString().replace(".000Z", "Z");
  return `${typeName(v)} value`;
}

function printDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -5 || exp >= 6) {
    const [mantissa, e] = v.toExponential(5).split("e");
    const digits = mantissa.replace(/\.?0+$/, "");
    const n = Number(e);
    return `${digits}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return Number(v.toPrecision(6)).toString();
}

function printDuration(ms: number): string {
  if (ms === 0) return "0";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  return `${sign}${h ? `${h}h` : ""}${m ? `${m}m` : ""}${rest ? `${trim(rest / 1000)}s` : ""}`;
}

function trim(n: number): string {
  return Number(n.toFixed(9)).toString();
}
