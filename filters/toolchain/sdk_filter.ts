/**
 * Builds SDK filters: a folder holding `filter.ts` (AssemblyScript on `@portcullis/filter-sdk`) becomes
 * `<name>.wasm`, named after the folder. Builds are cached by a hash of the folder's sources, the SDK and the
 * compiler, so an unchanged filter costs a file read.
 * @module
 */
import { basename, join, resolve } from "node:path";
import { ASC_VERSION, compileSdkFilter, SDK_DIR, SDK_FLAGS } from "./assemblyscript.ts";
import { cached, FILTER_CACHE_DIR, hashInputs, sourcesIn, writeCopy } from "./cache.ts";

/** A built SDK filter. */
export interface BuiltFilter {
  /** The filter's name (its folder's name). */
  readonly name: string;
  /** The module. */
  readonly bytes: Uint8Array;
  /** False when it came from the cache. */
  readonly built: boolean;
  /** Where the module was written, when an output path was asked for. */
  readonly path?: string;
}

/** Options of {@linkcode buildSdkFilter}. */
export interface BuildOptions {
  /** Also write the module to this file. */
  readonly out?: string;
}

/** Whether `dir` holds an SDK filter (a `filter.ts`). */
export async function isFilterDir(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, "filter.ts"))).isFile;
  } catch {
    return false;
  }
}

/**
 * Builds the filter in `dir` (from the cache when unchanged).
 * @throws {Error} when `dir` has no `filter.ts`; a `CompileError` with the diagnostics when it does not compile.
 */
export async function buildSdkFilter(dir: string, options: BuildOptions = {}): Promise<BuiltFilter> {
  const folder = resolve(dir);
  if (!await isFilterDir(folder)) throw new Error(`Cannot build ${folder}: it has no filter.ts`);
  const name = basename(folder);
  const hash = await hashInputs(
    [ASC_VERSION, ...SDK_FLAGS],
    [...await sourcesIn(folder), ...await sourcesIn(SDK_DIR)],
  );
  const result = await cached(FILTER_CACHE_DIR, `sdk-${name}`, hash, () => compileSdkFilter(folder));
  if (options.out === undefined) return { name, ...result };
  await writeCopy(options.out, result.bytes);
  return { name, ...result, path: options.out };
}
