// A small JSON reader for plugin configurations: objects, arrays, strings (with escapes), numbers, booleans,
// null. `parseJson` returns null for invalid text; `jsonError` then says where.

/** The kind of a JSON value. */
export enum JsonKind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

/** A JSON value. */
export class JsonValue {
  bool: bool = false;
  number: f64 = 0;
  str: string = "";
  items: Array<JsonValue> = new Array<JsonValue>();
  keys: Array<string> = new Array<string>();
  values: Array<JsonValue> = new Array<JsonValue>();

  constructor(public kind: JsonKind) {}

  /** The member `key` of an object, or null. */
  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return null;
  }

  /** The string of member `key`, or `fallback`. */
  getString(key: string, fallback: string): string {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.String ? v.str : fallback;
  }

  /** The number of member `key`, or `fallback`. */
  getNumber(key: string, fallback: f64): f64 {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.Number ? v.number : fallback;
  }

  /** The strings of array member `key` (other items skipped); empty when absent. */
  getStrings(key: string): Array<string> {
    const out = new Array<string>();
    const v = this.get(key);
    if (v === null || v.kind != JsonKind.Array) return out;
    for (let i = 0; i < v.items.length; i++) if (v.items[i].kind == JsonKind.String) out.push(v.items[i].str);
    return out;
  }
}

let text: string = "";
let at: i32 = 0;
let error: string = "";

/** Why the last `parseJson` failed. */
export function jsonError(): string {
  return error;
}

/** `source` parsed, or null (see `jsonError`). */
export function parseJson(source: string): JsonValue | null {
  text = source;
  at = 0;
  error = "";
  const v = value();
  if (v === null) return null;
  space();
  if (at < text.length) return fail("unexpected text after the value");
  return v;
}

function fail(message: string): JsonValue | null {
  if (error.length == 0) error = message + " at offset " + at.toString();
  return null;
}

function space(): void {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c != 32 && c != 9 && c != 10 && c != 13) break;
    at++;
  }
}

function literal(word: string): bool {
  if (text.substr(at, word.length) != word) return false;
  at += word.length;
  return true;
}

function value(): JsonValue | null {
  space();
  if (at >= text.length) return fail("unexpected end");
  const c = text.charCodeAt(at);
  if (c == 123) return object();
  if (c == 91) return array();
  if (c == 34) {
    const s = str();
    if (s === null) return null;
    const v = new JsonValue(JsonKind.String);
    v.str = s;
    return v;
  }
  if (literal("true") || literal("false")) {
    const v = new JsonValue(JsonKind.Bool);
    v.bool = text.charCodeAt(at - 1) == 101 && text.charCodeAt(at - 2) == 117;
    return v;
  }
  if (literal("null")) return new JsonValue(JsonKind.Null);
  return num();
}

function num(): JsonValue | null {
  const start = at;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) at++;
    else break;
  }
  if (at == start) return fail("unexpected character");
  const v = new JsonValue(JsonKind.Number);
  v.number = parseFloat(text.substring(start, at));
  if (isNaN(v.number)) return fail("invalid number");
  return v;
}

function str(): string | null {
  at++;
  let out = "";
  let run = at;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c == 34) {
      out += text.substring(run, at);
      at++;
      return out;
    }
    if (c == 92) {
      out += text.substring(run, at);
      const e = text.charCodeAt(at + 1);
      if (e == 110) out += "\n";
      else if (e == 116) out += "\t";
      else if (e == 114) out += "\r";
      else if (e == 98) out += "\b";
      else if (e == 102) out += "\f";
      else if (e == 117) {
        out += String.fromCharCode(<i32>parseInt(text.substr(at + 2, 4), 16));
        at += 4;
      } else out += String.fromCharCode(e);
      at += 2;
      run = at;
    } else at++;
  }
  fail("unterminated string");
  return null;
}

function array(): JsonValue | null {
  at++;
  const v = new JsonValue(JsonKind.Array);
  space();
  if (at < text.length && text.charCodeAt(at) == 93) {
    at++;
    return v;
  }
  while (true) {
    const item = value();
    if (item === null) return null;
    v.items.push(item);
    space();
    if (at >= text.length) return fail("unterminated array");
    const c = text.charCodeAt(at++);
    if (c == 93) return v;
    if (c != 44) return fail("expected , or ]");
  }
}

function object(): JsonValue | null {
  at++;
  const v = new JsonValue(JsonKind.Object);
  space();
  if (at < text.length && text.charCodeAt(at) == 125) {
    at++;
    return v;
  }
  while (true) {
    space();
    if (at >= text.length || text.charCodeAt(at) != 34) return fail("expected a member name");
    const key = str();
    if (key === null) return null;
    space();
    if (at >= text.length || text.charCodeAt(at++) != 58) return fail("expected :");
    const item = value();
    if (item === null) return null;
    v.keys.push(key);
    v.values.push(item);
    space();
    if (at >= text.length) return fail("unterminated object");
    const c = text.charCodeAt(at++);
    if (c == 125) return v;
    if (c != 44) return fail("expected , or }");
  }
}
