/**
 * An ordered list of HTTP header fields for the gateway's own messages (upstream requests and responses):
 * names lowercased, duplicates kept as separate fields, in the order they were added. It has the parts of the
 * `Headers` API the gateway uses, without WebIDL conversions or sorting on iteration, which made `Headers` the
 * largest cost of forwarding a request. Proxy-Wasm header maps are lists of pairs too.
 * @module
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;

/** Whether `name` is a valid field name (an HTTP token). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** Whether `value` may be a field value: no NUL, CR or LF. */
export function isHeaderValue(value: string): boolean {
  return !INVALID_VALUE.test(value);
}

/** Rejects what `Headers` rejects: a name that is not a token, a value with NUL, CR or LF. */
function checked(name: string, value: string): [string, string] {
  if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
  const v = trimWhitespace(value);
  if (INVALID_VALUE.test(v)) throw new TypeError(`Invalid header value for "${name}"`);
  return [name.toLowerCase(), v];
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9;
}

function trimWhitespace(value: string): string {
  const n = value.length;
  if (n === 0 || (!isWhitespace(value.charCodeAt(0)) && !isWhitespace(value.charCodeAt(n - 1)))) return value;
  return value.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** What a header list can be made from. */
export type HeaderListInit = HeaderList | Headers | Record<string, string> | [string, string][];

/**
 * Header fields in order, names lowercased.
 *
 * @example Usage
 * ```ts
 * const headers = new HeaderList();
 * headers.append("Set-Cookie", "a=1");
 * headers.append("set-cookie", "b=2");
 * headers.getAll("set-cookie"); // ["a=1", "b=2"]
 * ```
 */
export class HeaderList {
  /** Fields as `[name, value, name, value, …]`; read it directly in hot loops, change it through the methods. */
  readonly fields: string[];

  /** A list holding `fields` (taken as given: lowercase names, valid values). */
  constructor(fields: string[] = []) {
    this.fields = fields;
  }

  /** A list copied from `init`, each field validated. */
  static from(init: HeaderListInit): HeaderList {
    if (init instanceof HeaderList) return init.clone();
    const list = new HeaderList();
    if (init instanceof Headers) {
      init.forEach((value, name) => {
        if (name !== "set-cookie") list.append(name, value);
      });
      for (const cookie of init.getSetCookie()) list.append("set-cookie", cookie);
    } else if (Array.isArray(init)) {
      for (const [name, value] of init) list.append(name, value);
    } else {
      for (const [name, value] of Object.entries(init)) list.append(name, value);
    }
    return list;
  }

  /** Number of fields (duplicates count separately). */
  get length(): number {
    return this.fields.length >> 1;
  }

  /** The value of `name`, repeated fields joined with ", " as `Headers.get` does; null when absent. */
  get(name: string): string | null {
    const key = name.toLowerCase();
    const f = this.fields;
    let found: string | null = null;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === key) found = found === null ? f[i + 1] : `${found}, ${f[i + 1]}`;
    }
    return found;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const f = this.fields;
    const out: string[] = [];
    for (let i = 0; i < f.length; i += 2) if (f[i] === key) out.push(f[i + 1]);
    return out;
  }

  /** Whether `name` is present. */
  has(name: string): boolean {
    return this.#indexOf(name.toLowerCase()) >= 0;
  }

  /**
   * Replaces every field named `name` with one holding `value` (at the place of the first).
   * @throws {TypeError} for an invalid name or value.
   */
  set(name: string, value: string): void {
    const [key, v] = checked(name, value);
    this.setValid(key, v);
  }

  /** {@linkcode set} for a lowercase name and a value known to be valid. */
  setValid(key: string, value: string): void {
    const f = this.fields;
    const at = this.#indexOf(key);
    if (at < 0) {
      f.push(key, value);
      return;
    }
    f[at + 1] = value;
    for (let i = f.length - 2; i > at; i -= 2) if (f[i] === key) f.splice(i, 2);
  }

  /**
   * Adds a field, after any others of the same name.
   * @throws {TypeError} for an invalid name or value.
   */
  append(name: string, value: string): void {
    const [key, v] = checked(name, value);
    this.fields.push(key, v);
  }

  /** Removes every field named `name`. */
  delete(name: string): void {
    const key = name.toLowerCase();
    const f = this.fields;
    for (let i = f.length - 2; i >= 0; i -= 2) if (f[i] === key) f.splice(i, 2);
  }

  /** Calls `callback(value, name)` for each field in order (the argument order of `Headers.forEach`). */
  forEach(callback: (value: string, name: string) => void): void {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) callback(f[i + 1], f[i]);
  }

  /** `[name, value]` for each field in order. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) yield [f[i], f[i + 1]];
  }

  /** An independent copy. */
  clone(): HeaderList {
    return new HeaderList(this.fields.slice());
  }

  /** The fields as a `Headers` (repeated names other than `set-cookie` are joined by `Headers`). */
  toHeaders(): Headers {
    const out = new Headers();
    this.forEach((value, name) => out.append(name, value));
    return out;
  }

  #indexOf(key: string): number {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) if (f[i] === key) return i;
    return -1;
  }
}
