/**
 * Telling a component from a core module by the binary's preamble: both start with `\0asm`; a core module
 * continues with version 1 and layer 0 (`01 00 00 00`), a component with its own version and layer 1
 * (`0d 00 01 00` today).
 * @module
 */

/** What a WebAssembly binary is. */
export type WasmBinaryKind = "module" | "component";

/** `module` or `component` by the preamble; undefined when `bytes` is not a WebAssembly binary. */
export function wasmBinaryKind(bytes: Uint8Array): WasmBinaryKind | undefined {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    return undefined;
  }
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 1) return "component";
  if (layer === 0 && bytes[4] === 1 && bytes[5] === 0) return "module";
  return undefined;
}

/** Whether `bytes` is a WebAssembly component. */
export function isComponent(bytes: Uint8Array): boolean {
  return wasmBinaryKind(bytes) === "component";
}
