/**
 * A component made ready to instantiate: transpiled by jco (cached on disk by digest), its main core module
 * found (the one exporting the world's functions), every core module fuel-metered and the main one
 * memory-capped as Proxy-Wasm modules are, all compiled. It also decides whether the host may run the main
 * module directly ({@linkcode CompiledComponent.direct}): no nested components, UTF-8 strings only, and
 * every import of the main module one of the world's functions. Otherwise the component runs through jco's
 * glue. Results are kept in memory by digest and limits, so VM restarts and plugins sharing a module only
 * instantiate again.
 * @module
 */
import { injectFuelMetering } from "../sandbox/fuel.ts";
import { sha256Hex } from "../runtime/compile.ts";
import { capMemory } from "../sandbox/memory_cap.ts";
import { componentShape } from "./component_binary.ts";
import { transpileComponent } from "./transpile.ts";
import { parseInterfaceModule, WIT_PACKAGE, WORLD_EXPORTS, WORLD_IMPORTS } from "./world.ts";

/** A component ready to instantiate. */
export interface CompiledComponent {
  /** SHA-256 of the component, hex. */
  readonly digest: string;
  /** The core modules, by the names the glue asks for (the main one metered and capped). */
  readonly modules: ReadonlyMap<string, WebAssembly.Module>;
  /** The name of the main core module. */
  readonly mainName: string;
  /** The main core module. */
  readonly main: WebAssembly.Module;
  /** Whether the host runs the main module directly (no jco glue on calls). */
  readonly direct: boolean;
  /** Why not, when not. */
  readonly directRefusal: string | undefined;
  /** The transpiled glue module's path. */
  readonly glueFile: string;
  /** Whether the modules count fuel. */
  readonly metered: boolean;
}

/** How to prepare a component. */
export interface ComponentCompileOptions {
  /** Fuel the modules start with (their start functions run during instantiation); null: no metering. */
  readonly initialFuel: number | null;
  /** Memory cap of the main module, in pages. */
  readonly maxMemoryPages: number;
  /** Where transpiled components are cached. */
  readonly cacheDir?: string;
}

/** Thrown when a component does not implement the `portcullis:filter` world. */
export class ComponentWorldError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "ComponentWorldError";
  }
}

const CACHE_SIZE = 32;
const cache = new Map<string, Promise<CompiledComponent>>();

/**
 * Component `bytes` transpiled, checked and compiled.
 * @throws {ComponentWorldError} for a component of another world; jco's error for an invalid component.
 */
export async function compileComponent(
  bytes: Uint8Array,
  options: ComponentCompileOptions,
): Promise<CompiledComponent> {
  const digest = await sha256Hex(bytes);
  const key = `${digest}/${options.initialFuel}/${options.maxMemoryPages}/${options.cacheDir}`;
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key);
    cache.set(key, entry);
    return entry;
  }
  entry = prepare(bytes, digest, options);
  cache.set(key, entry);
  entry.catch(() => cache.delete(key));
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry;
}

function exportsWorld(module: WebAssembly.Module): boolean {
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  return WORLD_EXPORTS.every((name) => names.has(name)) && names.has("memory") && names.has("cabi_realloc");
}

/** Why the main module cannot run directly, or undefined when it can. */
function directRefusal(bytes: Uint8Array, main: WebAssembly.Module): string | undefined {
  const shape = componentShape(bytes);
  if (shape.nestedComponents > 0) return "it nests components";
  if (!shape.utf8Only) {
    return "it uses a string encoding other than UTF-8 or canonical options this host does not lower";
  }
  for (const imp of WebAssembly.Module.imports(main)) {
    const iface = parseInterfaceModule(imp.module);
    const known = iface !== undefined && imp.kind === "function" &&
      (WORLD_IMPORTS[iface] as readonly string[]).includes(imp.name);
    if (!known) return `its main module imports ${imp.module}#${imp.name}`;
  }
  return undefined;
}

async function prepare(
  bytes: Uint8Array,
  digest: string,
  options: ComponentCompileOptions,
): Promise<CompiledComponent> {
  const transpiled = await transpileComponent(bytes, digest, options.cacheDir);
  let mainName: string | undefined;
  let original: WebAssembly.Module | undefined;
  for (const [name, core] of transpiled.coreModules) {
    const module = await WebAssembly.compile(core as Uint8Array<ArrayBuffer>);
    if (exportsWorld(module)) {
      mainName = name;
      original = module;
      break;
    }
  }
  if (!mainName || !original) {
    throw new ComponentWorldError(
      `the component does not implement ${WIT_PACKAGE}/http-filter@0.1.x: no core module exports ${
        WORLD_EXPORTS.join(", ")
      }, memory and cabi_realloc`,
    );
  }
  const metered = options.initialFuel !== null;
  const modules = new Map<string, WebAssembly.Module>();
  for (const [name, core] of transpiled.coreModules) {
    let prepared = metered ? injectFuelMetering(core, options.initialFuel!) : core;
    if (name === mainName) prepared = capMemory(prepared, options.maxMemoryPages);
    modules.set(name, await WebAssembly.compile(prepared as Uint8Array<ArrayBuffer>));
  }
  const refusal = directRefusal(bytes, original);
  return {
    digest,
    modules,
    mainName,
    main: modules.get(mainName)!,
    direct: refusal === undefined,
    directRefusal: refusal,
    glueFile: transpiled.glueFile,
    metered,
  };
}
