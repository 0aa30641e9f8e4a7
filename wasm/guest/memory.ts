/**
 * A VM's linear memory as the host functions use it: bounds-checked reads, little-endian integer writes, and
 * results returned the Proxy-Wasm way (allocated in the guest with its allocator, then `(ptr, len)` written to
 * the caller's return pointers; an empty result is `(0, 0)` with nothing allocated).
 * @module
 */
import { Status } from "../abi/status.ts";
import { readLowercase, readUtf8, utf8Length, writeUtf8 } from "./utf8.ts";

/** The guest's allocator export (`proxy_on_memory_allocate` or `malloc`): size in, pointer out, 0 on failure. */
export type GuestAllocator = (size: number) => number;

/** Bounds-checked access to one instance's memory. */
export class GuestMemory {
  readonly #memory: WebAssembly.Memory;
  readonly #allocate: GuestAllocator | undefined;
  #u8: Uint8Array;
  #view: DataView;

  /** Memory `memory` whose results are allocated with `allocate`. */
  constructor(memory: WebAssembly.Memory, allocate: GuestAllocator | undefined) {
    this.#memory = memory;
    this.#allocate = allocate;
    this.#u8 = new Uint8Array(memory.buffer);
    this.#view = new DataView(memory.buffer);
  }

  /** The whole memory as bytes (re-read after growth: a grown memory detaches the old buffer). */
  bytes(): Uint8Array {
    if (this.#u8.byteLength === 0) this.#refresh();
    return this.#u8;
  }

  /** Whether `[ptr, ptr + len)` lies inside the memory. */
  inBounds(ptr: number, len: number): boolean {
    return ptr >= 0 && len >= 0 && ptr + len <= this.bytes().byteLength;
  }

  /** A copy of `[ptr, ptr + len)`, or undefined when out of bounds. */
  copy(ptr: number, len: number): Uint8Array | undefined {
    if (!this.inBounds(ptr, len)) return undefined;
    return this.#u8.slice(ptr, ptr + len);
  }

  /** The UTF-8 string at `[ptr, ptr + len)`, or undefined when out of bounds. */
  string(ptr: number, len: number): string | undefined {
    if (!this.inBounds(ptr, len)) return undefined;
    return readUtf8(this.#u8, ptr, ptr + len);
  }

  /** The string at `[ptr, ptr + len)` with ASCII letters lowercased (a header name), or undefined. */
  lowercase(ptr: number, len: number): string | undefined {
    if (!this.inBounds(ptr, len)) return undefined;
    return readLowercase(this.#u8, ptr, ptr + len);
  }

  /** The u32 at `ptr`, or undefined when out of bounds. */
  u32(ptr: number): number | undefined {
    if (!this.inBounds(ptr, 4)) return undefined;
    return this.#view.getUint32(ptr, true);
  }

  /** The u64 at `ptr`, or undefined when out of bounds. */
  u64(ptr: number): bigint | undefined {
    if (!this.inBounds(ptr, 8)) return undefined;
    return this.#view.getBigUint64(ptr, true);
  }

  /** Writes a u32; false when out of bounds. */
  setU32(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 4)) return false;
    this.#view.setUint32(ptr, value, true);
    return true;
  }

  /** Writes a u64; false when out of bounds. */
  setU64(ptr: number, value: bigint): boolean {
    if (!this.inBounds(ptr, 8)) return false;
    this.#view.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  /** Writes a u16; false when out of bounds. */
  setU16(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 2)) return false;
    this.#view.setUint16(ptr, value, true);
    return true;
  }

  /** Writes a byte; false when out of bounds. */
  setU8(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 1)) return false;
    this.#u8[ptr] = value;
    return true;
  }

  /** Copies `data` to `ptr`; false when out of bounds. */
  write(ptr: number, data: Uint8Array): boolean {
    if (!this.inBounds(ptr, data.byteLength)) return false;
    this.#u8.set(data, ptr);
    return true;
  }

  /** Allocates `size` bytes in the guest; 0 when it has no allocator or the allocation failed. */
  allocate(size: number): number {
    if (!this.#allocate) return 0;
    const ptr = this.#allocate(size) >>> 0;
    if (this.#u8.byteLength === 0) this.#refresh();
    return ptr !== 0 && this.inBounds(ptr, size) ? ptr : 0;
  }

  /** Returns `data` to the guest through `ptrPtr`/`lenPtr`. */
  returnBytes(data: Uint8Array, ptrPtr: number, lenPtr: number): Status {
    const len = data.byteLength;
    if (len === 0) return this.#returnEmpty(ptrPtr, lenPtr);
    const ptr = this.allocate(len);
    if (ptr === 0) return Status.InvalidMemoryAccess;
    this.#u8.set(data, ptr);
    return this.#returnPointer(ptr, len, ptrPtr, lenPtr);
  }

  /** Returns `s` (as UTF-8) to the guest through `ptrPtr`/`lenPtr`. */
  returnString(s: string, ptrPtr: number, lenPtr: number): Status {
    const len = utf8Length(s);
    if (len === 0) return this.#returnEmpty(ptrPtr, lenPtr);
    const ptr = this.allocate(len);
    if (ptr === 0) return Status.InvalidMemoryAccess;
    writeUtf8(this.#u8, ptr, s);
    return this.#returnPointer(ptr, len, ptrPtr, lenPtr);
  }

  /**
   * Allocates `len` bytes, lets `fill` write them (into the returned memory bytes at the pointer), and returns
   * them to the guest.
   */
  returnFilled(
    len: number,
    ptrPtr: number,
    lenPtr: number,
    fill: (out: Uint8Array, at: number) => void,
  ): Status {
    if (len === 0) return this.#returnEmpty(ptrPtr, lenPtr);
    const ptr = this.allocate(len);
    if (ptr === 0) return Status.InvalidMemoryAccess;
    fill(this.#u8, ptr);
    return this.#returnPointer(ptr, len, ptrPtr, lenPtr);
  }

  #returnEmpty(ptrPtr: number, lenPtr: number): Status {
    return this.setU32(ptrPtr, 0) && this.setU32(lenPtr, 0) ? Status.Ok : Status.InvalidMemoryAccess;
  }

  #returnPointer(ptr: number, len: number, ptrPtr: number, lenPtr: number): Status {
    return this.setU32(ptrPtr, ptr) && this.setU32(lenPtr, len) ? Status.Ok : Status.InvalidMemoryAccess;
  }

  #refresh(): void {
    this.#u8 = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
  }
}
