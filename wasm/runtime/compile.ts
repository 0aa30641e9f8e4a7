/**
 * Turning module bytes into a runnable `WebAssembly.Module`: ABI check, fuel metering, memory cap, compile.
 * Results are cached by content and limits, so plugins sharing a module (and VM restarts, which only
 * instantiate again) pay the rewrite once.
 * @module
 */
import { type AbiVersion, detectAbiVersion } from "../abi/version.ts";
import { injectFuelMetering } from "../sandbox/fuel.ts";
import { capMemory } from "../sandbox/memory_cap.ts";

/** A module ready to instantiate. */
export interface CompiledFilter {
  /** The compiled (metered, capped) module. */
  readonly module: WebAssembly.Module;
  /** The ABI it was built for. */
  readonly abi: AbiVersion;
  /** Whether it counts fuel. */
  readonly metered: boolean;
}

/** How to prepare a module. */
export interface CompileOptions {
  /** Fuel the module starts with (its start function runs during instantiation); null: no metering. */
  readonly initialFuel: number | null;
  /** Memory cap in pages. */
  readonly maxMemoryPages: number;
}

const CACHE_SIZE = 32;
const cache = new Map<string, Promise<CompiledFilter>>();

/** The hex SHA-256 of `bytes` (the compile caches' key). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `bytes` checked, metered and capped, then compiled.
 * @throws {UnknownAbiError} for a module without an ABI marker; other errors for invalid modules.
 */
export async function compileFilter(bytes: Uint8Array, options: CompileOptions): Promise<CompiledFilter> {
  const key = `${await sha256Hex(bytes)}/${options.initialFuel}/${options.maxMemoryPages}`;
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key);
    cache.set(key, entry);
    return entry;
  }
  entry = prepare(bytes, options);
  cache.set(key, entry);
  entry.catch(() => cache.delete(key));
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry;
}

async function prepare(bytes: Uint8Array, options: CompileOptions): Promise<CompiledFilter> {
  const original = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const abi = detectAbiVersion(original);
  let prepared = bytes;
  if (options.initialFuel !== null) prepared = injectFuelMetering(prepared, options.initialFuel);
  prepared = capMemory(prepared, options.maxMemoryPages);
  const module = await WebAssembly.compile(prepared as Uint8Array<ArrayBuffer>);
  return { module, abi, metered: options.initialFuel !== null };
}
