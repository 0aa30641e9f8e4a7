/**
 * Compiles AssemblyScript filters with the `assemblyscript` npm package's compiler API, in memory: the test
 * filters (`testdata/as/`, with their own `lib/`) and SDK filters (a folder with `filter.ts` importing
 * `@portcullis/filter-sdk`, which resolves to `filters/sdk/`; the SDK's callback exports are added).
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** The compiler version the cache keys on. */
export const ASC_VERSION = "assemblyscript@0.28.20";

/** Flags every filter is built with: optimized, the incremental runtime, start code as `_initialize`. */
const BASE_FLAGS: readonly string[] = [
  "-O3",
  "--noAssert",
  "--runtime",
  "incremental",
  "--exportStart",
  "_initialize",
];

/** Flags of the test filters: the base flags and their own abort handler. */
export const ASC_FLAGS: readonly string[] = [...BASE_FLAGS, "--use", "abort=lib/runtime/abortHandler"];

/** The package name filters import the SDK by. */
export const SDK_PACKAGE = "@portcullis/filter-sdk";

/** The SDK's folder. */
export const SDK_DIR: string = fromFileUrl(new URL("../sdk/", import.meta.url));

/** Flags of SDK filters: the base flags and the SDK's abort handler. */
export const SDK_FLAGS: readonly string[] = [
  ...BASE_FLAGS,
  "--use",
  `abort=~lib/${SDK_PACKAGE}/runtime/abortHandler`,
];

/** The entry the build adds beside `filter.ts`: the SDK's exports. */
const SDK_EXPORTS_ENTRY = "__portcullis_sdk_exports.ts";
const SDK_EXPORTS_SOURCE = `export * from "${SDK_PACKAGE}/exports";\n`;
const SDK_LOOKUP = `node_modules/${SDK_PACKAGE}/`;

/** Thrown with the compiler's diagnostics when a filter does not compile. */
export class CompileError extends Error {
  /** An error with the compiler's output. */
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

type ReadFile = (name: string, dir: string) => string | null;

function readFromDisk(name: string, dir: string): string | null {
  try {
    return Deno.readTextFileSync(join(dir, name));
  } catch {
    return null;
  }
}

async function compile(baseDir: string, entries: string[], flags: readonly string[], read: ReadFile) {
  const { default: asc } = await import("assemblyscript/dist/asc.js");
  let binary: Uint8Array | undefined;
  const result = await asc.main([...entries, "--baseDir", baseDir, "--outFile", "out.wasm", ...flags], {
    readFile: read,
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm") && contents instanceof Uint8Array) binary = contents;
    },
    listFiles: () => [],
  });
  if (result.error || !binary) {
    throw new CompileError(
      `Cannot compile ${entries[0]}: ${result.error?.message ?? "no output"}\n${result.stderr.toString()}`,
    );
  }
  return binary;
}

/**
 * The WebAssembly binary of test filter `entry` (a path relative to `baseDir`, which holds it and its imports).
 * @throws {CompileError} with the diagnostics when it does not compile.
 */
export function compileAssemblyScript(baseDir: string, entry: string): Promise<Uint8Array> {
  return compile(baseDir, [entry], ASC_FLAGS, readFromDisk);
}

/**
 * The WebAssembly binary of the SDK filter in folder `dir` (entry `filter.ts`): imports of
 * `@portcullis/filter-sdk` resolve to `filters/sdk/`, and the SDK's callback exports are added.
 * @throws {CompileError} with the diagnostics when it does not compile.
 */
export function compileSdkFilter(dir: string, entry = "filter.ts"): Promise<Uint8Array> {
  const read: ReadFile = (name, from) => {
    if (name === SDK_EXPORTS_ENTRY) return SDK_EXPORTS_SOURCE;
    const at = name.lastIndexOf(SDK_LOOKUP);
    if (at >= 0) return readFromDisk(name.slice(at + SDK_LOOKUP.length), SDK_DIR);
    return readFromDisk(name, from);
  };
  return compile(dir, [entry, SDK_EXPORTS_ENTRY], SDK_FLAGS, read);
}
