/**
 * The section list of a WebAssembly binary: where each section's content starts and ends.
 * @module
 */
import { readU32 } from "./leb128.ts";

/** Section ids of the core binary format that the host looks at. */
export const SectionId = { Import: 2, Memory: 5, Global: 6, Export: 7, Code: 10 } as const;

/** One section of a module. */
export interface Section {
  /** The section id (0 custom, 1 type, 2 import, … 5 memory, …). */
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/**
 * The sections of `bytes`, in order.
 * @throws {RangeError} for something that is not a WebAssembly 1.0 binary or is truncated.
 */
export function readSections(bytes: Uint8Array): Section[] {
  if (
    bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d ||
    bytes[4] !== 1
  ) {
    throw new RangeError("Cannot read the module: not a WebAssembly binary (version 1)");
  }
  const sections: Section[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const size = readU32(bytes, at + 1);
    const end = size.next + size.value;
    if (end > bytes.length) throw new RangeError(`Cannot read section ${id}: it runs past the end`);
    sections.push({ id, start: at, contentStart: size.next, end });
    at = end;
  }
  return sections;
}
