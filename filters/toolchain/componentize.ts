/**
 * Builds component filters: AssemblyScript on the component SDK (`filters/component-sdk/`, imported as
 * `@portcullis/component-sdk`) compiled to a core module, its exports renamed to the WIT names, the
 * `portcullis:filter` WIT embedded and the component made with jco's wasm-tools (`componentEmbed`,
 * `componentNew`), then checked by reading its WIT back (`componentWit`). A filter folder holds a
 * `component.ts`; the test components are the files of `testdata/component/`. Builds are cached by a hash of
 * the sources, the SDK, the WIT and the toolchain.
 * @module
 */
import { basename, join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { WIT_FILE_URL, WIT_WORLD, WORLD_EXPORTS } from "../../wasm/component/world.ts";
import { ASC_VERSION, CompileError } from "./assemblyscript.ts";
import { cached, FILTER_CACHE_DIR, hashInputs, sourcesIn, writeCopy } from "./cache.ts";
import { renameExports, witExportNames } from "./export_names.ts";

/** The jco package the build uses (its wasm-tools and transpiler). */
export const JCO_VERSION = "@bytecodealliance/jco-transpile@0.12.0";
/** The package name component filters import the SDK by. */
export const COMPONENT_SDK_PACKAGE = "@portcullis/component-sdk";
/** The component SDK's folder. */
export const COMPONENT_SDK_DIR: string = fromFileUrl(new URL("../component-sdk/", import.meta.url));
/** Files of the Proxy-Wasm SDK that the component SDK shares (part of every component's build hash). */
const SHARED_SDK_FILES = [fromFileUrl(new URL("../sdk/json.ts", import.meta.url))];
/** The WIT file. */
export const WIT_FILE: string = fromFileUrl(WIT_FILE_URL);
/** The entry file of a component filter folder. */
export const COMPONENT_ENTRY = "component.ts";

/** Compiler flags: optimized, the incremental GC, aborts trap after a critical log line. */
export const COMPONENT_FLAGS: readonly string[] = [
  "-O3",
  "--noAssert",
  "--runtime",
  "incremental",
  "--use",
  `abort=~lib/${COMPONENT_SDK_PACKAGE}/runtime/abortHandler`,
];

const EXPORTS_ENTRY = "__portcullis_component_exports.ts";
const EXPORTS_SOURCE = `export * from "${COMPONENT_SDK_PACKAGE}/exports";\n`;
/** Where the compiler looks for each package the component SDK uses, and the folder it is read from. */
const PACKAGE_DIRS: readonly (readonly [string, string])[] = [
  [`node_modules/${COMPONENT_SDK_PACKAGE}/`, COMPONENT_SDK_DIR],
  // The JSON reader is shared with the Proxy-Wasm SDK.
  ["node_modules/@portcullis/filter-sdk/", fromFileUrl(new URL("../sdk/", import.meta.url))],
];

function readFromDisk(name: string, dir: string): string | null {
  try {
    return Deno.readTextFileSync(join(dir, name));
  } catch {
    return null;
  }
}

/**
 * The core module of the AssemblyScript file `entry` in `dir`, with the SDK's exports under their WIT names.
 * @throws {CompileError} with the compiler's diagnostics.
 */
export async function compileComponentCore(dir: string, entry: string): Promise<Uint8Array> {
  const { default: asc } = await import("assemblyscript/dist/asc.js");
  const read = (name: string, from: string): string | null => {
    if (name === EXPORTS_ENTRY) return EXPORTS_SOURCE;
    for (const [lookup, dir] of PACKAGE_DIRS) {
      const at = name.lastIndexOf(lookup);
      if (at >= 0) return readFromDisk(name.slice(at + lookup.length), dir);
    }
    return readFromDisk(name, from);
  };
  let binary: Uint8Array | undefined;
  const result = await asc.main(
    [entry, EXPORTS_ENTRY, "--baseDir", dir, "--outFile", "out.wasm", ...COMPONENT_FLAGS],
    {
      readFile: read,
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith(".wasm") && contents instanceof Uint8Array) binary = contents;
      },
      listFiles: () => [],
    },
  );
  if (result.error || !binary) {
    throw new CompileError(
      `Cannot compile ${join(dir, entry)}: ${
        result.error?.message ?? "no output"
      }\n${result.stderr.toString()}`,
    );
  }
  return renameExports(binary, witExportNames(WORLD_EXPORTS));
}

/**
 * The component made of `core` (a module importing and exporting the world's functions by their WIT names):
 * the WIT embedded, the component made, and its world read back as a check.
 * @throws {Error} with wasm-tools' message when the module does not fit the world.
 */
export async function componentize(core: Uint8Array): Promise<Uint8Array> {
  const { componentEmbed, componentNew, componentWit } = await import(
    "@bytecodealliance/jco-transpile/wasm-tools"
  );
  const witSource = await Deno.readTextFile(WIT_FILE);
  const embedded = await componentEmbed({ binary: core, witSource, world: WIT_WORLD });
  const component = await componentNew(embedded, []);
  const wit = await componentWit(component);
  if (!wit.includes("export on-request-headers:")) {
    throw new Error(`The built component does not export the ${WIT_WORLD} world:\n${wit}`);
  }
  return component;
}

/** A built component filter. */
export interface BuiltComponent {
  /** The filter's name. */
  readonly name: string;
  /** The component binary. */
  readonly bytes: Uint8Array;
  /** False when it came from the cache. */
  readonly built: boolean;
  /** Where it was written, when an output path was given. */
  readonly path?: string;
}

/** Whether `dir` holds a component filter (a `component.ts`). */
export async function isComponentDir(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, COMPONENT_ENTRY))).isFile;
  } catch {
    return false;
  }
}

/**
 * Builds the component whose AssemblyScript entry is `entry` in `dir` (other `.ts` files of `dir` are its
 * modules), from the cache when unchanged; `out` also gets a copy.
 * @throws {CompileError} when it does not compile; an Error when it does not fit the world.
 */
export async function buildComponent(
  dir: string,
  entry: string,
  options: { readonly name?: string; readonly out?: string } = {},
): Promise<BuiltComponent> {
  const folder = resolve(dir);
  const name = options.name ?? basename(folder);
  const hash = await hashInputs(
    [ASC_VERSION, JCO_VERSION, ...COMPONENT_FLAGS, entry],
    [...await sourcesIn(folder), ...await sourcesIn(COMPONENT_SDK_DIR), ...SHARED_SDK_FILES, WIT_FILE],
  );
  const result = await cached(
    FILTER_CACHE_DIR,
    `component-${name}`,
    hash,
    async () => await componentize(await compileComponentCore(folder, entry)),
  );
  if (options.out === undefined) return { name, ...result };
  await writeCopy(options.out, result.bytes);
  return { name, ...result, path: options.out };
}
