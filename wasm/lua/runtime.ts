/**
 * The Lua 5.4 interpreter compiled to WebAssembly (npm `wasmoon`'s Emscripten build of the reference
 * interpreter), driven through its C API exports directly rather than through wasmoon's value conversions:
 * one instance per Lua plugin, with its own linear memory, a `lua_Alloc` in JavaScript that counts the Lua
 * heap against a cap, and the string moves host functions need (header values as bytes, Latin-1 in
 * JavaScript; log and error text as UTF-8).
 * @module
 */
import { LuaWasm } from "wasmoon";

/** `lua_resume`/`lua_pcall` results. */
export const LuaStatus = { Ok: 0, Yield: 1, ErrRun: 2, ErrSyntax: 3, ErrMem: 4, ErrErr: 5 } as const;

/** `lua_type` results. */
export const LuaType = { Nil: 0, Boolean: 1, Number: 3, String: 4, Table: 5, Function: 6 } as const;

/** The registry's pseudo-index (`LUA_REGISTRYINDEX` of a default 5.4 build). */
export const REGISTRY_INDEX = -1001000;

/** `LUA_MASKCOUNT`: the hook runs every `count` VM instructions. */
export const MASK_COUNT = 8;

/** The C API functions used, as the interpreter's WebAssembly instance exports them (`lua_Integer`: bigint). */
export interface LuaExports {
  lua_newstate(alloc: number, ud: number): number;
  lua_close(L: number): void;
  lua_atpanic(L: number, fn: number): number;
  luaL_openlibs(L: number): void;
  lua_sethook(L: number, fn: number, mask: number, count: number): void;
  lua_newthread(L: number): number;
  lua_resetthread(L: number): number;
  lua_resume(L: number, from: number, nargs: number, nresults: number): number;
  lua_pcallk(L: number, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  luaL_loadbufferx(L: number, buffer: number, size: number, name: number, mode: number): number;
  lua_error(L: number): number;
  lua_gettop(L: number): number;
  lua_settop(L: number, index: number): void;
  lua_type(L: number, index: number): number;
  lua_tolstring(L: number, index: number, length: number): number;
  lua_tonumberx(L: number, index: number, isNumber: number): number;
  lua_toboolean(L: number, index: number): number;
  lua_pushnil(L: number): void;
  lua_pushboolean(L: number, b: number): void;
  lua_pushinteger(L: number, n: bigint): void;
  lua_pushlstring(L: number, s: number, length: number): number;
  lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  lua_createtable(L: number, arrayItems: number, hashItems: number): void;
  lua_rawset(L: number, index: number): void;
  lua_rawseti(L: number, index: number, n: bigint): void;
  lua_rawgeti(L: number, index: number, n: bigint): number;
  luaL_ref(L: number, table: number): number;
  luaL_unref(L: number, table: number, ref: number): void;
  malloc(size: number): number;
  free(pointer: number): void;
  realloc(pointer: number, size: number): number;
}

const EXPORT_NAMES: readonly (keyof LuaExports)[] = [
  "lua_newstate",
  "lua_close",
  "lua_atpanic",
  "luaL_openlibs",
  "lua_sethook",
  "lua_newthread",
  "lua_resetthread",
  "lua_resume",
  "lua_pcallk",
  "luaL_loadbufferx",
  "lua_error",
  "lua_gettop",
  "lua_settop",
  "lua_type",
  "lua_tolstring",
  "lua_tonumberx",
  "lua_toboolean",
  "lua_pushnil",
  "lua_pushboolean",
  "lua_pushinteger",
  "lua_pushlstring",
  "lua_pushcclosure",
  "lua_createtable",
  "lua_rawset",
  "lua_rawseti",
  "lua_rawgeti",
  "luaL_ref",
  "luaL_unref",
  "malloc",
  "free",
  "realloc",
];

/** What the Emscripten module object gives besides the exports: memory views and the function table. */
interface EmscriptenModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAPU32: Uint32Array;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  removeFunction(pointer: number): void;
}

/** The few wasmoon wrappers taking C strings, used while setting a state up. */
interface NamedCalls {
  lua_setfield(L: number, index: number, name: string): void;
  lua_getglobal(L: number, name: string): number;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const SCRATCH_MIN = 4096;
/** Slots of the short-string cache (a power of two). */
const TEXT_CACHE_SLOTS = 1024;
/** Strings up to this length go through the cache (Lua interns strings up to 40 bytes). */
const TEXT_CACHE_MAX = 40;

/** Text from `length` bytes at `at`, one character per byte. */
function latin1(heap: Uint8Array, at: number, length: number): string {
  if (length <= 64) {
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(heap[at + i]);
    return s;
  }
  let s = "";
  for (let i = 0; i < length; i += 8192) {
    s += String.fromCharCode.apply(null, heap.subarray(at + i, at + Math.min(length, i + 8192)) as never);
  }
  return s;
}

/** Instances are created one at a time: `WebAssembly.instantiate` is wrapped meanwhile (see `instantiate`). */
let creating: Promise<unknown> = Promise.resolve();

/**
 * wasmoon's module with the instance's own exports. The module object exposes each export behind an
 * assertion wrapper that looks the export up by name on every call (a third of a host call's cost), so the
 * exports are taken from the instantiation itself: `WebAssembly.instantiate` is wrapped while wasmoon
 * instantiates, passing every result through and keeping the one exporting the Lua C API.
 */
async function instantiate(): Promise<{ wasm: LuaWasm; exports: WebAssembly.Exports }> {
  const original = WebAssembly.instantiate;
  let captured: WebAssembly.Exports | undefined;
  const wrapped = (...args: Parameters<typeof original>) =>
    (original.apply(WebAssembly, args) as Promise<
      WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource
    >)
      .then((result) => {
        const exports = ("instance" in result ? result.instance : result).exports;
        if ("lua_newstate" in exports) captured = exports;
        return result;
      });
  WebAssembly.instantiate = wrapped as typeof original;
  try {
    const wasm = await LuaWasm.initialize();
    if (!captured) throw new Error("the Lua interpreter's exports were not found");
    return { wasm, exports: captured };
  } finally {
    WebAssembly.instantiate = original;
  }
}

/** Whether the bytes at `at` spell `text` (one byte per character). */
function sameText(heap: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (heap[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** One Lua interpreter instance. */
export class LuaRuntime {
  /** The C API. */
  readonly api: LuaExports;
  /** `lua_Alloc` counting the heap against {@linkcode heapLimit} while {@linkcode enforcing}. */
  readonly allocator: number;
  /** A panic handler: an error outside a protected call throws out of the interpreter instead of aborting. */
  readonly panic: number;
  /** Bytes the Lua states of this instance hold. */
  heapUsed = 0;
  /** Most bytes allowed while {@linkcode enforcing}. */
  heapLimit = Infinity;
  /** Whether the limit applies (during script calls; the host's own allocations outside them never fail). */
  enforcing = false;
  /** Set when the allocator refused an allocation. */
  refused = false;
  /** Why the instance can no longer be trusted (an exception left the interpreter mid-call). */
  broken: string | undefined;
  readonly #module: EmscriptenModule;
  readonly #named: NamedCalls;
  #heap: Uint8Array;
  #heap32: Uint32Array;
  /** Four bytes for `size_t`/`int` out-parameters. */
  readonly #out: number;
  #scratch: number;
  #scratchSize = SCRATCH_MIN;
  /**
   * Short strings decoded before, by the address of their bytes: Lua interns short strings, so a script's
   * constants (header names, fixed values) sit at one address while they live. A hit is checked byte by
   * byte, so a reused address never returns stale text.
   */
  readonly #cacheAt = new Int32Array(TEXT_CACHE_SLOTS).fill(-1);
  readonly #cacheText: string[] = new Array(TEXT_CACHE_SLOTS).fill("");

  private constructor(wasm: LuaWasm, exports: WebAssembly.Exports) {
    this.#module = wasm.module as unknown as EmscriptenModule;
    this.#named = wasm as unknown as NamedCalls;
    this.api = Object.fromEntries(EXPORT_NAMES.map((name) => [name, exports[name]])) as unknown as LuaExports;
    this.#heap = this.#module.HEAPU8;
    this.#heap32 = this.#module.HEAPU32;
    const api = this.api;
    this.#out = api.malloc(8);
    this.#scratch = api.malloc(SCRATCH_MIN);
    this.allocator = this.addFunction((_ud, pointer, oldSize, newSize) => {
      if (newSize === 0) {
        if (pointer !== 0) {
          this.heapUsed -= oldSize;
          api.free(pointer);
        }
        return 0;
      }
      const growth = pointer === 0 ? newSize : newSize - oldSize;
      if (this.enforcing && growth > 0 && this.heapUsed + growth > this.heapLimit) {
        this.refused = true;
        return 0;
      }
      const moved = api.realloc(pointer, newSize);
      if (moved !== 0) this.heapUsed += growth;
      return moved;
    }, "iiiii");
    this.panic = this.addFunction((L) => {
      throw new Error(`Lua panic: ${this.toUtf8(L, -1)}`);
    }, "ii");
  }

  /** A new interpreter instance (its own module instance and memory). */
  static create(): Promise<LuaRuntime> {
    const next = creating.then(instantiate).then(({ wasm, exports }) => new LuaRuntime(wasm, exports));
    creating = next.catch(() => {});
    return next;
  }

  /** The memory as bytes (views are replaced when the memory grows: a detached one reads as empty). */
  get heap(): Uint8Array {
    if (this.#heap.byteLength === 0) this.#heap = this.#module.HEAPU8;
    return this.#heap;
  }

  #word(at: number): number {
    if (this.#heap32.byteLength === 0) this.#heap32 = this.#module.HEAPU32;
    return this.#heap32[at >> 2];
  }

  /** A function-table entry calling `fn` (Emscripten's signature letters: `ii` is a `lua_CFunction`). */
  addFunction(fn: (...args: number[]) => number | void, signature: string): number {
    return this.#module.addFunction(fn, signature);
  }

  /** Frees a function-table entry. */
  removeFunction(pointer: number): void {
    this.#module.removeFunction(pointer);
  }

  /** The address `lua_resume` writes its result count to. */
  get outPointer(): number {
    return this.#out;
  }

  /** The value `lua_resume`/`lua_tolstring` last wrote to {@linkcode outPointer}. */
  get out(): number {
    return this.#word(this.#out);
  }

  /** `t[name] = top` for the table at `index` (pops the value). */
  setField(L: number, index: number, name: string): void {
    this.#named.lua_setfield(L, index, name);
  }

  /** Pushes global `name`; returns its type. */
  getGlobal(L: number, name: string): number {
    return this.#named.lua_getglobal(L, name);
  }

  /** A scratch area of at least `size` bytes (valid until the next call). */
  #area(size: number): number {
    if (size > this.#scratchSize) {
      let next = this.#scratchSize;
      while (next < size) next *= 2;
      const pointer = this.api.malloc(next);
      if (pointer === 0) throw new RangeError(`cannot allocate ${next} bytes in the Lua runtime`);
      this.api.free(this.#scratch);
      this.#scratch = pointer;
      this.#scratchSize = next;
    }
    return this.#scratch;
  }

  /** Pushes `bytes` as a Lua string. */
  pushBytes(L: number, bytes: Uint8Array): void {
    const at = this.#area(bytes.length);
    this.heap.set(bytes, at);
    this.api.lua_pushlstring(L, at, bytes.length);
  }

  /** Pushes `s` one byte per character (header text); characters past U+00FF go as UTF-8. */
  pushText(L: number, s: string): void {
    const n = s.length;
    const at = this.#area(n);
    const heap = this.heap;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) return this.pushBytes(L, ENCODER.encode(s));
      heap[at + i] = c;
    }
    this.api.lua_pushlstring(L, at, n);
  }

  /** Pushes `s` as UTF-8 (messages). */
  pushUtf8(L: number, s: string): void {
    this.pushBytes(L, ENCODER.encode(s));
  }

  /** The string (or number, converted) at `index` as text, one character per byte; undefined for other types. */
  toText(L: number, index: number): string | undefined {
    const at = this.api.lua_tolstring(L, index, this.#out);
    if (at === 0) return undefined;
    const length = this.out;
    const heap = this.heap;
    if (length > TEXT_CACHE_MAX) return latin1(heap, at, length);
    const slot = (at >>> 3) & (TEXT_CACHE_SLOTS - 1);
    if (this.#cacheAt[slot] === at) {
      const cached = this.#cacheText[slot];
      if (cached.length === length && sameText(heap, at, cached)) return cached;
    }
    const text = latin1(heap, at, length);
    this.#cacheAt[slot] = at;
    this.#cacheText[slot] = text;
    return text;
  }

  /** The string (or number) at `index` as bytes (a copy); undefined for other types. */
  toBytes(L: number, index: number): Uint8Array | undefined {
    const at = this.api.lua_tolstring(L, index, this.#out);
    return at === 0 ? undefined : this.heap.slice(at, at + this.out);
  }

  /** The string (or number) at `index` decoded as UTF-8; undefined for other types. */
  toUtf8(L: number, index: number): string | undefined {
    const at = this.api.lua_tolstring(L, index, this.#out);
    return at === 0 ? undefined : DECODER.decode(this.heap.subarray(at, at + this.out));
  }

  /** The number at `index`, or undefined when it is not a number (or a string convertible to one). */
  toNumber(L: number, index: number): number | undefined {
    const n = this.api.lua_tonumberx(L, index, this.#out);
    return this.out === 0 ? undefined : n;
  }

  /** Loads `source` as a text chunk named `name` (pushes the function, or the error message). */
  load(L: number, source: string, name: string): number {
    const code = ENCODER.encode(source);
    const label = ENCODER.encode(name + "\0");
    const codeAt = this.api.malloc(code.length + label.length + 2);
    if (codeAt === 0) throw new RangeError("cannot allocate the chunk in the Lua runtime");
    try {
      const heap = this.heap;
      heap.set(code, codeAt);
      const labelAt = codeAt + code.length;
      heap.set(label, labelAt);
      const modeAt = labelAt + label.length;
      heap[modeAt] = 116; // "t": text chunks only, never precompiled bytecode
      heap[modeAt + 1] = 0;
      return this.api.luaL_loadbufferx(L, codeAt, code.length, labelAt, modeAt);
    } finally {
      this.api.free(codeAt);
    }
  }

  /** Raises `message` as a Lua error in `L` (from a host function or hook; does not return). */
  raise(L: number, message: string): never {
    this.pushUtf8(L, message);
    this.api.lua_error(L);
    throw new Error("lua_error returned");
  }
}
