// A small JSON reader for plugin configurations (AssemblyScript has no JSON.parse): `parseJson(text)` gives
// a tree of JsonValue, or null with the reason in `jsonError()`.

/** What a JsonValue holds. */
export enum JsonKind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

/** A parsed JSON value, with typed accessors that fall back to a default when the type is not the one asked. */
export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  boolValue: bool = false;
  numberValue: f64 = 0;
  stringValue: string = "";
  /** Array items. */
  items: JsonValue[] = new Array<JsonValue>();
  /** Object keys, in document order (a repeated key: the last value wins in `get`). */
  keys: string[] = new Array<string>();
  /** Object values, parallel to `keys`. */
  values: JsonValue[] = new Array<JsonValue>();

  isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  isObject(): bool {
    return this.kind == JsonKind.Object;
  }
  isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  isString(): bool {
    return this.kind == JsonKind.String;
  }
  isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  isBool(): bool {
    return this.kind == JsonKind.Bool;
  }

  /** The member `key` of an object, or null. */
  get(key: string): JsonValue | null {
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i] == key) return this.values[i];
    return null;
  }

  /** Whether an object has member `key`. */
  has(key: string): bool {
    return this.get(key) !== null;
  }

  /** This value as a string, or `fallback`. */
  asString(fallback: string = ""): string {
    return this.kind == JsonKind.String ? this.stringValue : fallback;
  }

  /** This value as a number, or `fallback`. */
  asNumber(fallback: f64 = 0): f64 {
    return this.kind == JsonKind.Number ? this.numberValue : fallback;
  }

  /** This value as an integer (truncated), or `fallback`. */
  asInt(fallback: i64 = 0): i64 {
    return this.kind == JsonKind.Number ? <i64>this.numberValue : fallback;
  }

  /** This value as a boolean, or `fallback`. */
  asBool(fallback: bool = false): bool {
    return this.kind == JsonKind.Bool ? this.boolValue : fallback;
  }

  /** Member `key` as a string, or `fallback`. */
  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v === null ? fallback : v.asString(fallback);
  }

  /** Member `key` as a number, or `fallback`. */
  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v === null ? fallback : v.asNumber(fallback);
  }

  /** Member `key` as an integer, or `fallback`. */
  getInt(key: string, fallback: i64 = 0): i64 {
    const v = this.get(key);
    return v === null ? fallback : v.asInt(fallback);
  }

  /** Member `key` as a boolean, or `fallback`. */
  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v === null ? fallback : v.asBool(fallback);
  }

  /** Member `key`'s items when it is an array, else none. */
  getArray(key: string): JsonValue[] {
    const v = this.get(key);
    return v === null || v.kind != JsonKind.Array ? new Array<JsonValue>() : v.items;
  }

  /** Member `key` when it is an object, else null. */
  getObject(key: string): JsonValue | null {
    const v = this.get(key);
    return v === null || v.kind != JsonKind.Object ? null : v;
  }

  /** Member `key` as a list of strings (non-strings skipped); a single string gives a list of one. */
  getStrings(key: string): string[] {
    const out = new Array<string>();
    const v = this.get(key);
    if (v === null) return out;
    if (v.kind == JsonKind.String) {
      out.push(v.stringValue);
      return out;
    }
    for (let i = 0; i < v.items.length; i++) if (v.items[i].isString()) out.push(v.items[i].stringValue);
    return out;
  }
}

let lastError: string = "";

/** Why the last `parseJson` returned null. */
export function jsonError(): string {
  return lastError;
}

/** The JSON document `text`, or null when it is not valid JSON (see `jsonError()`). */
export function parseJson(text: string): JsonValue | null {
  const parser = new Parser(text);
  lastError = "";
  const value = parser.value(0);
  if (value !== null) {
    parser.skipSpace();
    if (parser.at < text.length) {
      parser.fail("unexpected text after the value");
      lastError = parser.error;
      return null;
    }
  }
  if (value === null) lastError = parser.error;
  return value;
}

const MAX_DEPTH = 64;

class Parser {
  at: i32 = 0;
  error: string = "";
  constructor(public text: string) {}

  fail(message: string): void {
    if (this.error.length == 0) this.error = message + " at offset " + this.at.toString();
  }

  skipSpace(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.at++;
    }
  }

  literal(word: string): bool {
    if (this.text.substr(this.at, word.length) != word) return false;
    this.at += word.length;
    return true;
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) {
      this.fail("nested too deep");
      return null;
    }
    this.skipSpace();
    if (this.at >= this.text.length) {
      this.fail("unexpected end");
      return null;
    }
    const c = this.text.charCodeAt(this.at);
    const v = new JsonValue();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      if (s === null) return null;
      v.kind = JsonKind.String;
      v.stringValue = s;
      return v;
    }
    if (this.literal("true") || this.literal("false")) {
      v.kind = JsonKind.Bool;
      v.boolValue = c == 0x74;
      return v;
    }
    if (this.literal("null")) return v;
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    this.fail("unexpected character");
    return null;
  }

  number(): JsonValue | null {
    const t = this.text;
    const start = this.at;
    if (t.charCodeAt(this.at) == 0x2d) this.at++;
    let digits = 0;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      const numeric = (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x65 || c == 0x45 || c == 0x2b || c == 0x2d;
      if (!numeric) break;
      if (c >= 0x30 && c <= 0x39) digits++;
      this.at++;
    }
    if (digits == 0) {
      this.fail("bad number");
      return null;
    }
    const n = parseFloat(t.substring(start, this.at));
    if (isNaN(n)) {
      this.fail("bad number");
      return null;
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.numberValue = n;
    return v;
  }

  hex(): i32 {
    if (this.at + 4 > this.text.length) return -1;
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.text.charCodeAt(this.at++);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      if (d < 0) return -1;
      n = n * 16 + d;
    }
    return n;
  }

  string(): string | null {
    const t = this.text;
    this.at++; // opening quote
    let out = "";
    let runStart = this.at;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c == 0x22) {
        out += t.substring(runStart, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.at++;
        continue;
      }
      out += t.substring(runStart, this.at);
      this.at++;
      if (this.at >= t.length) break;
      const e = t.charCodeAt(this.at++);
      if (e == 0x22) out += "\"";
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        const code = this.hex();
        if (code < 0) {
          this.fail("bad \\u escape");
          return null;
        }
        out += String.fromCharCode(code);
      } else {
        this.fail("bad escape");
        return null;
      }
      runStart = this.at;
    }
    this.fail("unterminated string");
    return null;
  }

  array(depth: i32): JsonValue | null {
    this.at++;
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.skipSpace();
    if (this.at < this.text.length && this.text.charCodeAt(this.at) == 0x5d) {
      this.at++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.skipSpace();
      if (this.at >= this.text.length) break;
      const c = this.text.charCodeAt(this.at++);
      if (c == 0x5d) return v;
      if (c != 0x2c) {
        this.at--;
        this.fail("expected , or ]");
        return null;
      }
    }
    this.fail("unterminated array");
    return null;
  }

  object(depth: i32): JsonValue | null {
    this.at++;
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.skipSpace();
    if (this.at < this.text.length && this.text.charCodeAt(this.at) == 0x7d) {
      this.at++;
      return v;
    }
    while (true) {
      this.skipSpace();
      if (this.at >= this.text.length || this.text.charCodeAt(this.at) != 0x22) {
        this.fail("expected a member name");
        return null;
      }
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.at >= this.text.length || this.text.charCodeAt(this.at) != 0x3a) {
        this.fail("expected :");
        return null;
      }
      this.at++;
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.keys.push(key);
      v.values.push(item);
      this.skipSpace();
      if (this.at >= this.text.length) break;
      const c = this.text.charCodeAt(this.at++);
      if (c == 0x7d) return v;
      if (c != 0x2c) {
        this.at--;
        this.fail("expected , or }");
        return null;
      }
    }
    this.fail("unterminated object");
    return null;
  }
}
