/**
 * Renames a core module's exports. AssemblyScript exports identifiers (`on_request_headers`); the component
 * model wants the WIT names (`on-request-headers`, `cabi_post_on-request-headers`), so the component build
 * renames them before embedding the WIT.
 * @module
 */
import { encodeU32, readU32 } from "../../wasm/binary/leb128.ts";
import { readSections, SectionId } from "../../wasm/binary/sections.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `bytes` with every export whose name is a key of `names` renamed to its value. */
export function renameExports(bytes: Uint8Array, names: Readonly<Record<string, string>>): Uint8Array {
  const section = readSections(bytes).find((s) => s.id === SectionId.Export);
  if (!section) return bytes;
  const count = readU32(bytes, section.contentStart);
  const content: number[] = [...encodeU32(count.value)];
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const len = readU32(bytes, at);
    const name = decoder.decode(bytes.subarray(len.next, len.next + len.value));
    const renamed = encoder.encode(Object.hasOwn(names, name) ? names[name] : name);
    content.push(...encodeU32(renamed.length), ...renamed);
    at = len.next + len.value;
    const kind = bytes[at];
    const index = readU32(bytes, at + 1);
    content.push(kind, ...encodeU32(index.value));
    at = index.next;
  }
  const head = [SectionId.Export, ...encodeU32(content.length)];
  const out = new Uint8Array(bytes.length - (section.end - section.start) + head.length + content.length);
  out.set(bytes.subarray(0, section.start), 0);
  out.set(head, section.start);
  out.set(content, section.start + head.length);
  out.set(bytes.subarray(section.end), section.start + head.length + content.length);
  return out;
}

/** The AssemblyScript export names of a WIT world's function exports, mapped to the WIT names (+ post-return). */
export function witExportNames(functions: readonly string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const wit of functions) {
    const identifier = wit.replaceAll("-", "_");
    names[identifier] = wit;
    names[`cabi_post_${identifier}`] = `cabi_post_${wit}`;
  }
  return names;
}
