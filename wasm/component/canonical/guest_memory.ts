/**
 * The canonical ABI's view of a core instance's memory (wasm32, UTF-8 strings): values lifted from guest
 * memory with bounds and alignment checks, values lowered into it through the guest's `cabi_realloc`. A
 * violation throws {@linkcode CanonicalAbiError}, which the host treats as a trap of the component.
 * @module
 */
import { readLowercase, readUtf8, utf8Length, writeUtf8 } from "../../guest/utf8.ts";

/** A value that breaks the canonical ABI's rules (out of bounds, misaligned, bad discriminant, bad UTF-8). */
export class CanonicalAbiError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "CanonicalAbiError";
  }
}

/** `cabi_realloc(old, oldSize, align, newSize) -> ptr`. */
export type Realloc = (old: number, oldSize: number, align: number, newSize: number) => number;

const strict = new TextDecoder("utf-8", { fatal: true });
const REPLACEMENT = "\uFFFD";

/** Bounds-checked access to one instance's memory with its allocator. */
export class GuestMemory {
  readonly #memory: WebAssembly.Memory;
  readonly #realloc: Realloc;
  #u8: Uint8Array;
  #view: DataView;

  /** `memory`, allocated in with `realloc`. */
  constructor(memory: WebAssembly.Memory, realloc: Realloc) {
    this.#memory = memory;
    this.#realloc = realloc;
    this.#u8 = new Uint8Array(memory.buffer);
    this.#view = new DataView(memory.buffer);
  }

  /** The memory's bytes (a new view after the memory grew). */
  bytes(): Uint8Array {
    if (this.#u8.byteLength === 0) this.#refresh();
    return this.#u8;
  }

  #refresh(): void {
    this.#u8 = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
  }

  /** Throws unless `[ptr, ptr + size)` is inside the memory and `ptr` is a multiple of `align`. */
  check(ptr: number, size: number, align: number): void {
    if ((ptr & (align - 1)) !== 0) throw new CanonicalAbiError(`pointer ${ptr} is not ${align}-byte aligned`);
    if (ptr + size > this.bytes().byteLength) {
      throw new CanonicalAbiError(`[${ptr}, ${ptr + size}) is outside the guest memory`);
    }
  }

  /** The u8 at `ptr`. */
  u8(ptr: number): number {
    this.check(ptr, 1, 1);
    return this.#u8[ptr];
  }

  /** The u16 at `ptr` (2-aligned). */
  u16(ptr: number): number {
    this.check(ptr, 2, 2);
    return this.#view.getUint16(ptr, true);
  }

  /** The u32 at `ptr` (4-aligned). */
  u32(ptr: number): number {
    this.check(ptr, 4, 4);
    return this.#view.getUint32(ptr, true);
  }

  /** Writes u8 `value` at `ptr`. */
  setU8(ptr: number, value: number): void {
    this.check(ptr, 1, 1);
    this.#u8[ptr] = value;
  }

  /** Writes u32 `value` at `ptr` (4-aligned). */
  setU32(ptr: number, value: number): void {
    this.check(ptr, 4, 4);
    this.#view.setUint32(ptr, value, true);
  }

  /** The string at (`ptr`, `len`) (UTF-8; invalid UTF-8 throws). */
  string(ptr: number, len: number): string {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, 1);
    const s = readUtf8(this.#u8, ptr, ptr + len);
    // The fast path decodes leniently; a replacement character may stand for invalid input.
    if (s.includes(REPLACEMENT)) return this.#strict(ptr, len);
    return s;
  }

  /** {@linkcode string} with ASCII letters lowercased (a header name), interned when short. */
  lowercase(ptr: number, len: number): string {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, 1);
    const s = readLowercase(this.#u8, ptr, ptr + len);
    if (s.includes(REPLACEMENT)) return this.#strict(ptr, len).toLowerCase();
    return s;
  }

  #strict(ptr: number, len: number): string {
    try {
      return strict.decode(this.#u8.subarray(ptr, ptr + len));
    } catch {
      throw new CanonicalAbiError(`the string at ${ptr} (${len} bytes) is not valid UTF-8`);
    }
  }

  /** A copy of the bytes at (`ptr`, `len`) (a `list<u8>`). */
  bytesAt(ptr: number, len: number): Uint8Array {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, 1);
    return this.#u8.slice(ptr, ptr + len);
  }

  /** The strings of a `list<string>` at (`ptr`, `len`): `len` (pointer, length) pairs. */
  stringList(ptr: number, len: number): string[] {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len * 8, 4);
    const out = new Array<string>(len);
    for (let i = 0; i < len; i++) out[i] = this.string(this.u32(ptr + i * 8), this.u32(ptr + i * 8 + 4));
    return out;
  }

  /** The pairs of a `list<tuple<string, string>>` at (`ptr`, `len`), flattened to `[a, b, a, b, …]`. */
  stringPairs(ptr: number, len: number): string[] {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len * 16, 4);
    const out = new Array<string>(len * 2);
    for (let i = 0; i < len * 2; i++) out[i] = this.string(this.u32(ptr + i * 8), this.u32(ptr + i * 8 + 4));
    return out;
  }

  /** Space for `size` bytes aligned to `align`, from the guest's allocator. */
  allocate(size: number, align: number): number {
    const ptr = this.#realloc(0, 0, align, size) >>> 0;
    this.check(ptr, size, align);
    return ptr;
  }

  /** Lowers `s`: allocated in the guest and written; returns the pointer (its length is `utf8Length(s)`). */
  lowerString(s: string, len: number = utf8Length(s)): number {
    const ptr = this.allocate(len, 1);
    writeUtf8(this.bytes(), ptr, s);
    return ptr;
  }

  /** Lowers `data` (a `list<u8>`); returns the pointer. */
  lowerBytes(data: Uint8Array): number {
    const ptr = this.allocate(data.length, 1);
    this.bytes().set(data, ptr);
    return ptr;
  }

  /** Writes a string (pointer, length) pair at `at` (4-aligned). */
  storeString(at: number, s: string): void {
    const len = utf8Length(s);
    const ptr = this.lowerString(s, len);
    this.setU32(at, ptr);
    this.setU32(at + 4, len);
  }

  /** Writes a `list<u8>` (pointer, length) pair at `at`. */
  storeBytes(at: number, data: Uint8Array): void {
    const ptr = this.lowerBytes(data);
    this.setU32(at, ptr);
    this.setU32(at + 4, data.length);
  }

  /** Lowers `[a, b, a, b, …]` as a `list<tuple<string, string>>` and writes its (pointer, length) at `at`. */
  storeStringPairs(at: number, fields: readonly string[]): void {
    const n = fields.length >> 1;
    const list = this.allocate(n * 16, 4);
    for (let i = 0; i < fields.length; i++) this.storeString(list + i * 8, fields[i]);
    this.setU32(at, list);
    this.setU32(at + 4, n);
  }
}
