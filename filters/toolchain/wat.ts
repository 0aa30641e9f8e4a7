/**
 * Assembles a WAT filter with the `wabt` npm package.
 * @module
 */
import wabtInit from "wabt";

/** The assembler version the cache keys on. */
export const WABT_VERSION = "wabt@1.0.39";

/**
 * The binary of the WAT source `text` (named `name` in diagnostics).
 * @throws {Error} with wabt's message for invalid text.
 */
export async function compileWat(name: string, text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(name, text, {
    mutable_globals: true,
    sign_extension: true,
    bulk_memory: true,
  });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
