/**
 * A look at a component's top-level sections, enough to tell whether the host may run its main core module
 * directly: no nested components, and every `canon lift`/`canon lower` with UTF-8 strings (the encoding the
 * direct lowering implements). Anything unexpected (an unknown canonical function, a malformed section)
 * says no, and the component runs through jco's glue instead.
 * @module
 */
import { readU32 } from "../binary/leb128.ts";

/** What the sections say. */
export interface ComponentShape {
  /** Core modules at the top level. */
  readonly coreModules: number;
  /** Nested components. */
  readonly nestedComponents: number;
  /** Whether every canonical lift and lower uses UTF-8 strings and nothing unknown was met. */
  readonly utf8Only: boolean;
}

const CORE_MODULE = 1;
const COMPONENT = 4;
const CANON = 8;
const STRING_UTF16 = 0x01;
const STRING_LATIN1_UTF16 = 0x02;

/** The shape of component `bytes` (a component's preamble is assumed checked). */
export function componentShape(bytes: Uint8Array): ComponentShape {
  let coreModules = 0;
  let nestedComponents = 0;
  let utf8Only = true;
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const size = readU32(bytes, at + 1);
    const end = size.next + size.value;
    if (end > bytes.length) return { coreModules, nestedComponents, utf8Only: false };
    if (id === CORE_MODULE) coreModules++;
    else if (id === COMPONENT) nestedComponents++;
    else if (id === CANON && !canonUtf8Only(bytes, size.next, end)) utf8Only = false;
    at = end;
  }
  return { coreModules, nestedComponents, utf8Only };
}

/** Whether the canon section at `[start, end)` only holds lifts and lowers without a UTF-16 option. */
function canonUtf8Only(bytes: Uint8Array, start: number, end: number): boolean {
  const count = readU32(bytes, start);
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const kind = bytes[at];
    if ((kind !== 0x00 && kind !== 0x01) || bytes[at + 1] !== 0x00) return false;
    at = readU32(bytes, at + 2).next; // the core or component function index
    const options = readU32(bytes, at);
    at = options.next;
    for (let o = 0; o < options.value; o++) {
      const option = bytes[at++];
      if (option === STRING_UTF16 || option === STRING_LATIN1_UTF16) return false;
      if (option >= 0x03 && option <= 0x05) at = readU32(bytes, at).next; // memory, realloc, post-return
      else if (option > 0x05) return false; // async, callback and later options
    }
    if (kind === 0x00) at = readU32(bytes, at).next; // lift: the function type
    if (at > end) return false;
  }
  return at === end;
}
