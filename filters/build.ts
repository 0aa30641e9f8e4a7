/**
 * Builds the filters from source: the shipped filters (`filters/<name>/filter.ts` on the SDK in `sdk/`) into
 * `.cache/filters/<name>.wasm`, and the test filters: AssemblyScript filters in `testdata/as/` (one module per
 * top-level file; `lib/` is shared code) with npm `assemblyscript`, and WAT filters in `testdata/wat/` with
 * npm `wabt`. Outputs are cached under `.cache/filters/` by a hash of their sources and toolchain, so only
 * changed filters are rebuilt. `deno task test` runs this first; tests also call {@linkcode buildTestFilter}
 * and {@linkcode buildShippedFilter}, which build on demand.
 *
 * ```sh
 * deno run -A filters/build.ts             # build every filter
 * deno run -A filters/build.ts headers     # build one (test or shipped filter)
 * ```
 * @module
 */
import { basename, join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { ASC_FLAGS, ASC_VERSION, compileAssemblyScript } from "./toolchain/assemblyscript.ts";
import { cached, FILTER_CACHE_DIR, hashInputs } from "./toolchain/cache.ts";
import { buildSdkFilter, type BuiltFilter, isFilterDir } from "./toolchain/sdk_filter.ts";
import { buildComponentFilters } from "./toolchain/component_filters.ts";
import { compileWat, WABT_VERSION } from "./toolchain/wat.ts";

const TESTDATA = fromFileUrl(new URL("./testdata/", import.meta.url));
const AS_DIR = join(TESTDATA, "as");
const AS_LIB = join(AS_DIR, "lib");
const WAT_DIR = join(TESTDATA, "wat");
const SDK_TESTDATA = join(TESTDATA, "sdk");
/** The folder of the shipped filters (`<name>/filter.ts`). */
export const FILTERS_DIR: string = fromFileUrl(new URL("./", import.meta.url));

/** The names of the shipped Proxy-Wasm filters: folders of `filters/` with a `filter.ts` and an `example.yaml`. */
export async function listShippedFilters(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(FILTERS_DIR)) {
    const dir = join(FILTERS_DIR, entry.name);
    if (entry.isDirectory && await isFilterDir(dir) && await isFile(join(dir, "example.yaml"))) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The SDK test filters (`testdata/sdk/<name>/filter.ts`), as folders. */
export async function listSdkTestFilters(): Promise<string[]> {
  const dirs: string[] = [];
  for await (const entry of Deno.readDir(SDK_TESTDATA)) {
    if (entry.isDirectory && await isFilterDir(join(SDK_TESTDATA, entry.name))) {
      dirs.push(join(SDK_TESTDATA, entry.name));
    }
  }
  return dirs.sort();
}

/**
 * Shipped filter `name`, from the cache or built now, also written to `.cache/filters/<name>.wasm` (the path
 * its example WasmPlugin names).
 * @throws {Error} for an unknown name or a source that does not compile.
 */
export function buildShippedFilter(name: string): Promise<BuiltFilter> {
  return buildSdkFilter(join(FILTERS_DIR, name), { out: join(FILTER_CACHE_DIR, `${name}.wasm`) });
}

/** A test filter's source. */
export interface FilterSource {
  /** The name tests use. */
  readonly name: string;
  /** Its language. */
  readonly kind: "assemblyscript" | "wat";
  /** The source file. */
  readonly path: string;
}

async function filesIn(dir: string, extension: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(extension)) out.push(join(dir, entry.name));
  }
  return out.sort();
}

/** Every test filter, by name. */
export async function listTestFilters(): Promise<FilterSource[]> {
  const sources: FilterSource[] = [];
  for (const path of await filesIn(AS_DIR, ".ts")) {
    sources.push({ name: path.slice(AS_DIR.length + 1, -3), kind: "assemblyscript", path });
  }
  for (const path of await filesIn(WAT_DIR, ".wat")) {
    sources.push({ name: path.slice(WAT_DIR.length + 1, -4), kind: "wat", path });
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) throw new Error(`Cannot build the test filters: two sources are named "${s.name}"`);
    seen.add(s.name);
  }
  return sources;
}

async function build(source: FilterSource): Promise<{ bytes: Uint8Array; built: boolean }> {
  if (source.kind === "wat") {
    const hash = await hashInputs([WABT_VERSION], [source.path]);
    return cached(
      FILTER_CACHE_DIR,
      source.name,
      hash,
      async () => compileWat(source.path, await Deno.readTextFile(source.path)),
    );
  }
  const hash = await hashInputs([ASC_VERSION, ...ASC_FLAGS], [source.path, ...await filesIn(AS_LIB, ".ts")]);
  return cached(
    FILTER_CACHE_DIR,
    source.name,
    hash,
    () => compileAssemblyScript(AS_DIR, `${source.name}.ts`),
  );
}

/**
 * The binary of test filter `name`, from the cache or built now.
 * @throws {Error} for an unknown name or a source that does not compile.
 */
export async function buildTestFilter(name: string): Promise<Uint8Array> {
  const source = (await listTestFilters()).find((s) => s.name === name);
  if (!source) throw new Error(`Cannot build test filter "${name}": no such source in ${TESTDATA}`);
  return (await build(source)).bytes;
}

if (import.meta.main) {
  const wanted = new Set(Deno.args);
  const shipped = (await listShippedFilters()).filter((n) => wanted.size === 0 || wanted.has(n));
  const sources = (await listTestFilters()).filter((s) => wanted.size === 0 || wanted.has(s.name));
  const sdkTests = (await listSdkTestFilters()).filter((d) => wanted.size === 0 || wanted.has(basename(d)));
  const started = performance.now();
  for (const dir of sdkTests) {
    const result = await buildSdkFilter(dir);
    if (result.built) console.log(`built SDK test filter ${result.name} (${result.bytes.length} B)`);
  }
  for (const name of shipped) {
    const t0 = performance.now();
    const result = await buildShippedFilter(name);
    const took = (performance.now() - t0).toFixed(0);
    if (result.built) console.log(`built ${name} (${result.bytes.length} B) in ${took} ms → ${result.path}`);
  }
  const components = await buildComponentFilters(wanted);
  let built = 0;
  for (const source of sources) {
    const t0 = performance.now();
    const result = await build(source);
    if (result.built) {
      built++;
      console.log(
        `built ${source.name} (${source.kind}, ${result.bytes.length} B) in ${
          (performance.now() - t0).toFixed(0)
        } ms`,
      );
    }
  }
  console.log(
    `filters: ${shipped.length} shipped and ${
      sources.length + sdkTests.length
    } test filters and ${components} components ready, ${built} test filters built, ${
      (performance.now() - started).toFixed(0)
    } ms`,
  );
}
