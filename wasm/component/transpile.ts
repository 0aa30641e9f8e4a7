/**
 * A component transpiled with jco (`transpileBytes`, instantiation mode `sync`): its core modules as files
 * and the glue JS that wires them. Results are cached on disk by the component's SHA-256
 * (`<cacheDir>/<digest>-<format>/`), so jco runs once per component and not at all on later loads. A cache
 * entry is written to a temporary folder and renamed into place, so concurrent loaders never read half of one.
 *
 * One change is made to the glue: its debug log reads `process.env.JCO_DEBUG` on every call, which in Deno is
 * an environment lookup through the runtime (most of the glue's cost per call); the variable is read once
 * when the glue module loads instead.
 * @module
 */
import { join } from "node:path";

/** The jco package that transpiles. */
export const TRANSPILER = "@bytecodealliance/jco-transpile@0.12.0";
/** Where transpiled components are kept unless the plugin options say otherwise. */
export const DEFAULT_COMPONENT_CACHE = ".cache/components";
/** The name the glue and core module files are given. */
const NAME = "component";
const GLUE = `${NAME}.js`;
/** Changes when what is written to the cache changes. */
const CACHE_FORMAT = "1";
const DEBUG_READ = "globalThis?.process?.env?.JCO_DEBUG";

/** The glue with its debug flag read once. */
export function patchGlue(js: string): string {
  if (!js.includes(DEBUG_READ)) return js;
  return `const __portcullisJcoDebug = ${DEBUG_READ};\n${js.replaceAll(DEBUG_READ, "__portcullisJcoDebug")}`;
}

/** A transpiled component on disk. */
export interface TranspiledComponent {
  /** Its folder. */
  readonly dir: string;
  /** The glue module (exports `instantiate(getCoreModule, imports, instantiateCore)`). */
  readonly glueFile: string;
  /** The core modules, by the names the glue asks for. */
  readonly coreModules: ReadonlyMap<string, Uint8Array>;
}

async function readEntry(dir: string): Promise<TranspiledComponent | undefined> {
  const coreModules = new Map<string, Uint8Array>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".wasm")) {
        coreModules.set(entry.name, await Deno.readFile(join(dir, entry.name)));
      }
    }
    await Deno.stat(join(dir, GLUE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return { dir, glueFile: join(dir, GLUE), coreModules };
}

/**
 * Component `bytes` (SHA-256 `digest`, hex) transpiled, from `cacheDir` or by jco now.
 * @throws {Error} with jco's message for a component it cannot transpile (invalid, or not a component).
 */
export async function transpileComponent(
  bytes: Uint8Array,
  digest: string,
  cacheDir: string = DEFAULT_COMPONENT_CACHE,
): Promise<TranspiledComponent> {
  const dir = join(cacheDir, `${digest}-${CACHE_FORMAT}`);
  const cached = await readEntry(dir);
  if (cached) return cached;
  const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
  const result = await transpileBytes(bytes, {
    name: NAME,
    instantiation: "sync",
    validLiftingOptimization: true,
    noComponentErrorWrapping: true,
    emitTypescriptDeclarations: false,
  });
  const tmp = `${dir}.${crypto.randomUUID()}.tmp`;
  await Deno.mkdir(tmp, { recursive: true });
  for (const [name, contents] of Object.entries(result.files)) {
    if (name.includes("/")) continue; // only type declarations live in folders
    const data = name === GLUE
      ? new TextEncoder().encode(patchGlue(new TextDecoder().decode(contents)))
      : contents;
    await Deno.writeFile(join(tmp, name), data);
  }
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another loader put the same entry in place first.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const entry = await readEntry(dir);
  if (!entry) throw new Error(`Cannot read the transpiled component in ${dir}`);
  return entry;
}
