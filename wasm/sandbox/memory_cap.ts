/**
 * A memory cap written into the module itself: the maximum of each memory the module defines is lowered to
 * the cap, so `memory.grow` past it fails inside the VM (returns -1) instead of taking the host's memory.
 * SDK builds declare no maximum, and `WebAssembly.Memory({maximum})` only helps modules that import memory.
 * @module
 */
import { encodeU32, readU32 } from "../binary/leb128.ts";
import { readSections, SectionId } from "../binary/sections.ts";

/** Bytes in one WebAssembly page. */
export const PAGE_BYTES = 65536;

/** Thrown when a module cannot run under the memory cap. */
export class MemoryCapError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "MemoryCapError";
  }
}

/**
 * `bytes` with every defined memory's maximum set to at most `maxPages`.
 * @throws {MemoryCapError} when a memory's initial size is already above the cap, for 64-bit or shared
 * memories, and for a module that imports its memory (the host provides none).
 */
export function capMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  const sections = readSections(bytes);
  if (sections.some((s) => s.id === SectionId.Import && importsMemory(bytes, s.contentStart))) {
    throw new MemoryCapError(
      "Cannot load the module: it imports its memory, which this host does not provide",
    );
  }
  const memory = sections.find((s) => s.id === SectionId.Memory);
  if (!memory) return bytes;
  const content: number[] = [];
  let at = memory.contentStart;
  const count = readU32(bytes, at);
  at = count.next;
  content.push(...encodeU32(count.value));
  for (let i = 0; i < count.value; i++) {
    const flags = bytes[at++];
    if (flags > 1) {
      throw new MemoryCapError("Cannot load the module: shared or 64-bit memories are not supported");
    }
    const min = readU32(bytes, at);
    at = min.next;
    let max = maxPages;
    if (flags === 1) {
      const declared = readU32(bytes, at);
      at = declared.next;
      max = Math.min(declared.value, maxPages);
    }
    if (min.value > max) {
      throw new MemoryCapError(
        `Cannot load the module: its memory starts at ${min.value} pages, above the cap of ${maxPages} pages`,
      );
    }
    content.push(1, ...encodeU32(min.value), ...encodeU32(max));
  }
  const header = [SectionId.Memory, ...encodeU32(content.length)];
  const out = new Uint8Array(bytes.length - (memory.end - memory.start) + header.length + content.length);
  out.set(bytes.subarray(0, memory.start), 0);
  out.set(header, memory.start);
  out.set(content, memory.start + header.length);
  out.set(bytes.subarray(memory.end), memory.start + header.length + content.length);
  return out;
}

/** Whether the import section starting at `at` has a memory import (kind 2). */
function importsMemory(bytes: Uint8Array, at: number): boolean {
  const count = readU32(bytes, at);
  at = count.next;
  for (let i = 0; i < count.value; i++) {
    for (let name = 0; name < 2; name++) {
      const len = readU32(bytes, at);
      at = len.next + len.value;
    }
    const kind = bytes[at++];
    switch (kind) {
      case 0: // function: type index
        at = readU32(bytes, at).next;
        break;
      case 1: { // table: reftype, limits
        at++;
        at = skipLimits(bytes, at);
        break;
      }
      case 2:
        return true;
      case 3: // global: valtype, mutability
        at += 2;
        break;
      case 4: // tag: attribute, type index
        at = readU32(bytes, at + 1).next;
        break;
      default:
        throw new RangeError(`Cannot read the import section: unknown import kind ${kind}`);
    }
  }
  return false;
}

function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at++];
  at = readU32(bytes, at).next;
  if (flags & 1) at = readU32(bytes, at).next;
  return at;
}
