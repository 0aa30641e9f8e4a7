/**
 * Getting a WasmPlugin's module bytes from its `url`: `file://` read from disk; `http(s)://` downloaded (up to
 * 256 MiB, as registry blobs), checked against `sha256` when given and kept in the module cache by digest, so that a module with a known digest is
 * not downloaded again; `oci://` (or no scheme) pulled from a registry (`oci/`).
 * @module
 */
import type { CompiledWasmPlugin } from "../compile/wasm_plugins.ts";
import { readCachedModule, sha256Hex, storeModule } from "./module_cache.ts";
import { ModuleFetchError } from "./module_error.ts";
import type { OciModuleSource } from "./oci/oci_source.ts";
import { ociPull } from "../optional_modules.ts";
import { effectivePullPolicy, moduleUrlScheme } from "./oci/pull_policy.ts";
import { MAX_MODULE_BYTES, readBounded } from "./oci/bounded_read.ts";

export { ModuleFetchError } from "./module_error.ts";
export { sha256Hex } from "./module_cache.ts";

/** How long a download may take (Istio's default fetch timeout). */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Where fetch progress (info) and failures (error) are reported; the gateway's `wasm` logger fits. */
export interface FetchLog {
  info(message: string): void;
  error(message: string): void;
}

/** Options of a ModuleSource. */
export interface ModuleSourceOptions {
  /** Where downloaded and pulled modules are cached. */
  readonly cacheDir: string;
  /** The folder of image pull secrets (`--wasm-credentials`). */
  readonly credentialsDir?: string;
  /** Registries reached over plain http (`--wasm-insecure-registry`). */
  readonly insecureRegistries?: readonly string[];
  /** Progress lines (pulls from registries). */
  readonly log?: FetchLog;
}

/** Fetches modules for plugin instances; shared by all of them (the OCI tag memory lives here). */
export class ModuleSource {
  readonly #options: ModuleSourceOptions;
  /** The registry client, made with the first `oci://` pull. */
  #oci: Promise<OciModuleSource> | undefined;

  constructor(options: ModuleSourceOptions) {
    this.#options = options;
  }

  /** The module of `plugin`; throws ModuleFetchError when it cannot be had, whatever the cause (as Istio). */
  async fetch(plugin: CompiledWasmPlugin): Promise<Uint8Array> {
    try {
      return await this.#fetch(plugin);
    } catch (e) {
      throw e instanceof ModuleFetchError ? e : new ModuleFetchError((e as Error).message);
    }
  }

  async #fetch(plugin: CompiledWasmPlugin): Promise<Uint8Array> {
    const { url, sha256 } = plugin;
    const scheme = moduleUrlScheme(url);
    if (scheme === "file") return await checked(await readFile(url), sha256, url);
    if (scheme === "http" || scheme === "https") return await download(url, sha256, this.#options.cacheDir);
    if (scheme === "oci") {
      const oci = await this.#ociSource();
      return await oci.fetch({
        url,
        sha256,
        pullPolicy: effectivePullPolicy(url, plugin.imagePullPolicy),
        namespace: plugin.namespace,
        imagePullSecret: plugin.imagePullSecret,
      });
    }
    throw new ModuleFetchError(`unsupported Wasm module downloading URL scheme: ${scheme}`);
  }

  #ociSource(): Promise<OciModuleSource> {
    this.#oci ??= ociPull.load().then(({ OciModuleSource }) => {
      const log = this.#options.log;
      return new OciModuleSource({ ...this.#options, log: log && ((line) => log.info(line)) });
    });
    return this.#oci;
  }
}

async function readFile(url: string): Promise<Uint8Array> {
  const path = decodeURIComponent(url.slice("file://".length));
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new ModuleFetchError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function checked(bytes: Uint8Array, sha256: string | undefined, url: string): Promise<Uint8Array> {
  if (sha256 === undefined) return bytes;
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new ModuleFetchError(`module downloaded from ${url} has checksum ${actual}, expected ${sha256}`);
  }
  return bytes;
}

async function download(url: string, sha256: string | undefined, cacheDir: string): Promise<Uint8Array> {
  if (sha256 !== undefined) {
    const cached = await readCachedModule(cacheDir, sha256);
    if (cached) return cached;
  }
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new ModuleFetchError(`download of ${url} failed: HTTP ${res.status}`);
    }
    bytes = await readBounded(res, MAX_MODULE_BYTES, `the module at ${url}`);
  } catch (e) {
    if (e instanceof ModuleFetchError) throw e;
    throw new ModuleFetchError(`download of ${url} failed: ${(e as Error).message}`);
  }
  await checked(bytes, sha256, url);
  // A checked module's digest is the one given: no second hash.
  await storeModule(cacheDir, sha256?.toLowerCase() ?? await sha256Hex(bytes), bytes);
  return bytes;
}
