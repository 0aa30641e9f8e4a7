/**
 * WasmPlugin modules from OCI registries, as Istio's agent pulls them (`pkg/wasm` cache and image fetcher):
 * 1. An image known by digest (the `sha256` field, else the URL's `@sha256:`), or a tag pulled before in this
 *    process under `IfNotPresent`, loads from the cache without asking the registry.
 * 2. Otherwise the manifest is fetched; `sha256`, when given, must equal the image manifest's digest (Istio
 *    compares the manifest digest, not the module's; an index's digest is accepted too). A module already cached
 *    for that digest is used; else the layer is downloaded and the module extracted and cached.
 * Credentials come from the plugin's `imagePullSecret`, read from the credentials folder on every pull.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import { sha256Hex } from "../module_cache.ts";
import { readImageModule, storeImageModule } from "./digest_cache.ts";
import { credentialsFor, type RegistryCredentials } from "./docker_config.ts";
import { resolveImage } from "./image.ts";
import { readPullSecret } from "./pull_secret.ts";
import type { PullPolicy } from "./pull_policy.ts";
import { formatImageReference, parseImageReference } from "./reference.ts";
import { RegistryClient } from "./registry_client.ts";

/** How long one pull (manifests, token, layer) may take: Istio's remote fetch timeout. */
const PULL_TIMEOUT_MS = 30_000;

/** One module to pull. */
export interface OciPullRequest {
  readonly url: string;
  /** Hex SHA-256 of the image manifest the module must come from. */
  readonly sha256?: string;
  readonly pullPolicy: PullPolicy;
  /** The WasmPlugin's namespace, where its pull secret lives. */
  readonly namespace: string;
  readonly imagePullSecret?: string;
}

/** Options of an OciModuleSource. */
export interface OciModuleSourceOptions {
  /** The module cache folder. */
  readonly cacheDir: string;
  /** The folder of pull secrets (`<dir>/<namespace>/<name>`). */
  readonly credentialsDir?: string;
  /** Registries reached over plain http (`host`, `host:port`, or `*`). */
  readonly insecureRegistries?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Pulls modules from registries, remembering which digest each tag had when last pulled. */
export class OciModuleSource {
  readonly #options: OciModuleSourceOptions;
  readonly #client: RegistryClient;
  readonly #log: (line: string) => void;
  /** Image reference with tag → manifest digest of its last pull (Istio keeps this in memory too). */
  readonly #tagDigests = new Map<string, string>();

  constructor(options: OciModuleSourceOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.#client = new RegistryClient({ insecureRegistries: options.insecureRegistries, log: this.#log });
  }

  /** The module `req` names; throws ModuleFetchError. */
  async fetch(req: OciPullRequest): Promise<Uint8Array> {
    const { cacheDir } = this.#options;
    const ref = parseImageReference(req.url);
    const name = formatImageReference(ref);
    const credentials = await this.#credentials(req, ref.registry);
    const expected = req.sha256?.toLowerCase() ?? ref.digest;
    const known = expected ?? (req.pullPolicy === "IfNotPresent" ? this.#tagDigests.get(name) : undefined);
    if (known) {
      const cached = await readImageModule(cacheDir, known);
      if (cached) return cached;
    }
    this.#log(
      `fetching image ${ref.repository} from registry ${ref.registry} with ${
        ref.digest ? `digest sha256:${ref.digest}` : `tag ${ref.tag}`
      }`,
    );
    const signal = AbortSignal.timeout(PULL_TIMEOUT_MS);
    const session = this.#client.session(ref, credentials, signal);
    let image;
    try {
      image = await resolveImage(session, ref);
    } catch (e) {
      throw new ModuleFetchError(`could not fetch Wasm OCI image: ${(e as Error).message}`);
    }
    if (expected && expected !== image.digest && expected !== image.indexDigest) {
      throw new ModuleFetchError(
        `module downloaded from ${req.url} has checksum ${image.digest}, which does not match: ${expected} ` +
          `(for an OCI image, sha256 is the digest of the image manifest)`,
      );
    }
    const digests = [image.digest, ...(image.indexDigest ? [image.indexDigest] : [])];
    if (ref.tag) this.#tagDigests.set(name, image.digest);
    const cached = await readImageModule(cacheDir, image.digest);
    if (cached) return cached;
    let module: Uint8Array;
    try {
      module = await image.module();
    } catch (e) {
      throw new ModuleFetchError(`could not fetch Wasm binary: ${(e as Error).message}`);
    }
    if (!isWasmBinary(module)) throw new ModuleFetchError(`fetched Wasm binary from ${req.url} is invalid`);
    const moduleSha = await sha256Hex(module);
    await storeImageModule(cacheDir, digests, moduleSha, module);
    this.#log(
      `pulled ${name} (image sha256:${image.digest}, ${image.layout} layout, module sha256:${moduleSha}, ` +
        `${module.length} bytes)`,
    );
    return module;
  }

  async #credentials(req: OciPullRequest, registry: string): Promise<RegistryCredentials | undefined> {
    if (!req.imagePullSecret) return undefined;
    const config = await readPullSecret(this.#options.credentialsDir, req.namespace, req.imagePullSecret);
    return credentialsFor(config, registry);
  }
}

/** A Wasm binary starts with `\0asm` and a 4-byte version. */
function isWasmBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}
