/**
 * Walking function bodies instruction by instruction: the immediates of every opcode of the core spec and
 * the proposals SDK toolchains emit (sign extension, saturating truncation, bulk memory, reference types,
 * multi-value, SIMD and relaxed SIMD, threads, tail calls, exception handling, multi-memory, memory64).
 * The GC proposal (prefix 0xFB) is refused.
 * @module
 */
import { readU32, skipLeb } from "./leb128.ts";

/** Opcodes the walker reports. */
export const Opcode = { Block: 0x02, Loop: 0x03, If: 0x04, End: 0x0b } as const;

/** Thrown for an opcode the walker does not know. */
export class UnsupportedOpcodeError extends Error {
  /** An error for the opcode at `offset`. */
  constructor(what: string, offset: number) {
    super(`Unsupported instruction ${what} at offset ${offset}`);
    this.name = "UnsupportedOpcodeError";
  }
}

/** The offset after a value type (one byte, or a GC reference type with its heap type). */
function skipValType(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  return b === 0x63 || b === 0x64 ? skipLeb(bytes, at + 1) : at + 1;
}

/** The offset after a block type: empty (0x40), a value type, or a type index (s33). */
export function skipBlockType(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  if (b === 0x40) return at + 1;
  if (b === 0x63 || b === 0x64) return skipLeb(bytes, at + 1);
  if (b >= 0x6a && b <= 0x7f) return at + 1;
  return skipLeb(bytes, at);
}

/** The offset after a memory argument (alignment with the multi-memory flag, then the offset). */
function skipMemArg(bytes: Uint8Array, at: number): number {
  const align = readU32(bytes, at);
  let next = align.next;
  if (align.value & 0x40) next = skipLeb(bytes, next);
  return skipLeb(bytes, next);
}

/** The offset after the immediates of the 0xFC-prefixed instruction whose sub-opcode is `sub`. */
function skipMisc(bytes: Uint8Array, at: number, sub: number, start: number): number {
  if (sub <= 7) return at; // saturating truncations
  switch (sub) {
    case 8: // memory.init data memory
    case 10: // memory.copy memory memory
    case 12: // table.init elem table
    case 14: // table.copy table table
      return skipLeb(bytes, skipLeb(bytes, at));
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      return skipLeb(bytes, at);
    case 19: // i64.add128
    case 20: // i64.sub128
    case 21: // i64.mul_wide_s
    case 22: // i64.mul_wide_u
      return at;
    default:
      throw new UnsupportedOpcodeError(`0xfc ${sub}`, start);
  }
}

/** The offset after the immediates of the 0xFD-prefixed (SIMD) instruction `sub`. */
function skipSimd(bytes: Uint8Array, at: number, sub: number): number {
  if (sub <= 11 || sub === 92 || sub === 93) return skipMemArg(bytes, at); // loads, stores, load*_zero
  if (sub === 12 || sub === 13) return at + 16; // v128.const, i8x16.shuffle
  if (sub >= 21 && sub <= 34) return at + 1; // extract/replace lane
  if (sub >= 84 && sub <= 91) return skipMemArg(bytes, at) + 1; // load/store lane
  return at;
}

/** The offset after the immediates of the 0xFE-prefixed (atomic) instruction `sub`. */
function skipAtomic(bytes: Uint8Array, at: number, sub: number): number {
  return sub === 3 ? at + 1 : skipMemArg(bytes, at);
}

/**
 * The offset after the instruction at `at` (opcode and immediates).
 * @throws {UnsupportedOpcodeError} for an unknown opcode or a GC instruction.
 */
export function skipInstruction(bytes: Uint8Array, at: number): number {
  const start = at;
  const op = bytes[at++];
  switch (op) {
    case 0x02: // block
    case 0x03: // loop
    case 0x04: // if
    case 0x06: // try
      return skipBlockType(bytes, at);
    case 0x07: // catch tag
    case 0x08: // throw tag
    case 0x09: // rethrow depth
    case 0x0c: // br
    case 0x0d: // br_if
    case 0x10: // call
    case 0x12: // return_call
    case 0x14: // call_ref
    case 0x15: // return_call_ref
    case 0x18: // delegate
    case 0x20: // local.get
    case 0x21: // local.set
    case 0x22: // local.tee
    case 0x23: // global.get
    case 0x24: // global.set
    case 0x25: // table.get
    case 0x26: // table.set
    case 0x3f: // memory.size
    case 0x40: // memory.grow
    case 0x41: // i32.const
    case 0x42: // i64.const
    case 0xd0: // ref.null heap type
    case 0xd2: // ref.func
    case 0xd5: // br_on_null
    case 0xd6: // br_on_non_null
      return skipLeb(bytes, at);
    case 0x0e: { // br_table
      const count = readU32(bytes, at);
      at = count.next;
      for (let i = 0; i <= count.value; i++) at = skipLeb(bytes, at);
      return at;
    }
    case 0x11: // call_indirect type table
    case 0x13: // return_call_indirect
      return skipLeb(bytes, skipLeb(bytes, at));
    case 0x1c: { // select t*
      const count = readU32(bytes, at);
      at = count.next;
      for (let i = 0; i < count.value; i++) at = skipValType(bytes, at);
      return at;
    }
    case 0x1f: { // try_table blocktype vec(catch)
      at = skipBlockType(bytes, at);
      const count = readU32(bytes, at);
      at = count.next;
      for (let i = 0; i < count.value; i++) {
        const kind = bytes[at++];
        if (kind === 0 || kind === 1) at = skipLeb(bytes, at); // catch / catch_ref: tag
        at = skipLeb(bytes, at); // label
      }
      return at;
    }
    case 0x43: // f32.const
      return at + 4;
    case 0x44: // f64.const
      return at + 8;
    case 0xfb:
      throw new UnsupportedOpcodeError("0xfb (GC)", start);
    case 0xfc:
    case 0xfd:
    case 0xfe: {
      const sub = readU32(bytes, at);
      if (op === 0xfc) return skipMisc(bytes, sub.next, sub.value, start);
      if (op === 0xfd) return skipSimd(bytes, sub.next, sub.value);
      return skipAtomic(bytes, sub.next, sub.value);
    }
    default:
      if (op >= 0x28 && op <= 0x3e) return skipMemArg(bytes, at); // loads and stores
      if (
        op <= 0x01 || op === 0x05 || op === 0x0a || op === 0x0b || op === 0x0f || op === 0x19 ||
        op === 0x1a ||
        op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1 || op === 0xd3 || op === 0xd4
      ) return at;
      throw new UnsupportedOpcodeError(`0x${op.toString(16)}`, start);
  }
}
