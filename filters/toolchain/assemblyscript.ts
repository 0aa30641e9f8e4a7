/**
 * Compiles an AssemblyScript filter with the `assemblyscript` npm package's compiler API, in memory.
 * @module
 */
import { join } from "node:path";

/** The compiler version the cache keys on. */
export const ASC_VERSION = "assemblyscript@0.28.20";

/** Flags every filter is built with: optimized, the incremental runtime, start code as `_initialize`. */
export const ASC_FLAGS: readonly string[] = [
  "-O3",
  "--noAssert",
  "--runtime",
  "incremental",
  "--exportStart",
  "_initialize",
  "--use",
  "abort=lib/runtime/abortHandler",
];

/** Thrown with the compiler's diagnostics when a filter does not compile. */
export class CompileError extends Error {
  /** An error with the compiler's output. */
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/**
 * The WebAssembly binary of `entry` (a path relative to `baseDir`, which holds it and its imports).
 * @throws {CompileError} with the diagnostics when it does not compile.
 */
export async function compileAssemblyScript(baseDir: string, entry: string): Promise<Uint8Array> {
  const { default: asc } = await import("assemblyscript/dist/asc.js");
  let binary: Uint8Array | undefined;
  const result = await asc.main([entry, "--baseDir", baseDir, "--outFile", "out.wasm", ...ASC_FLAGS], {
    readFile: (name: string, dir: string) => {
      try {
        return Deno.readTextFileSync(join(dir, name));
      } catch {
        return null;
      }
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm") && contents instanceof Uint8Array) binary = contents;
    },
    listFiles: () => [],
  });
  if (result.error || !binary) {
    throw new CompileError(
      `Cannot compile ${entry}: ${result.error?.message ?? "no output"}\n${result.stderr.toString()}`,
    );
  }
  return binary;
}
