/**
 * The component filters of the repository: shipped ones (a `filters/<name>/` folder with a `component.ts`,
 * built to `.cache/filters/<name>.wasm`, the path their example WasmPlugin names) and test components (each
 * file of `testdata/component/`). `filters/build.ts` builds them all with the other filters.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { FILTER_CACHE_DIR } from "./cache.ts";
import { buildComponent, type BuiltComponent, isComponentDir } from "./componentize.ts";

const FILTERS_DIR = fromFileUrl(new URL("../", import.meta.url));
const TEST_COMPONENTS_DIR = fromFileUrl(new URL("../testdata/component/", import.meta.url));

/** The shipped component filters, by folder name. */
export async function listComponentFilters(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(FILTERS_DIR)) {
    if (entry.isDirectory && await isComponentDir(join(FILTERS_DIR, entry.name))) names.push(entry.name);
  }
  return names.sort();
}

/** Shipped component filter `name`, from the cache or built now, written to `.cache/filters/<name>.wasm`. */
export function buildComponentFilter(name: string): Promise<BuiltComponent> {
  return buildComponent(join(FILTERS_DIR, name), "component.ts", {
    name,
    out: join(FILTER_CACHE_DIR, `${name}.wasm`),
  });
}

/** The test components (files of `testdata/component/`), by name. */
export async function listTestComponents(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(TEST_COMPONENTS_DIR)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name.slice(0, -3));
  }
  return names.sort();
}

/** Test component `name`'s binary, from the cache or built now. */
export async function buildTestComponent(name: string): Promise<Uint8Array> {
  if (!(await listTestComponents()).includes(name)) {
    throw new Error(`Cannot build test component "${name}": no such source in ${TEST_COMPONENTS_DIR}`);
  }
  const built = await buildComponent(TEST_COMPONENTS_DIR, `${name}.ts`, { name: `test-${name}` });
  return built.bytes;
}

/** Builds every component filter named in `wanted` (all when empty), logging the ones built; returns how many. */
export async function buildComponentFilters(wanted: ReadonlySet<string>): Promise<number> {
  let count = 0;
  const log = (name: string, built: BuiltComponent, started: number) => {
    count++;
    if (!built.built) return;
    const took = (performance.now() - started).toFixed(0);
    console.log(`built ${name} (component, ${built.bytes.length} B) in ${took} ms`);
  };
  for (const name of await listComponentFilters()) {
    if (wanted.size > 0 && !wanted.has(name)) continue;
    const t0 = performance.now();
    log(name, await buildComponentFilter(name), t0);
  }
  for (const name of await listTestComponents()) {
    if (wanted.size > 0 && !wanted.has(name)) continue;
    const t0 = performance.now();
    log(name, await buildComponent(TEST_COMPONENTS_DIR, `${name}.ts`, { name: `test-${name}` }), t0);
  }
  return count;
}
