/**
 * Which module an image holds, by image digest, kept beside the module cache: `<cache>/oci/<manifest digest>`
 * holds the SHA-256 of the module extracted from that image (the module itself is in the module cache). Istio
 * keys its Wasm cache by the image's manifest digest the same way, so an image named by digest (`@sha256:` or the
 * `sha256` field) loads from the cache without asking the registry.
 * @module
 */
import { readCachedModule, storeModule, writeAtomically } from "../module_cache.ts";

const HEX64 = /^[a-f0-9]{64}$/;

/** The cached module of the image with manifest digest `imageDigest`; undefined when not cached. */
export async function readImageModule(
  cacheDir: string,
  imageDigest: string,
): Promise<Uint8Array | undefined> {
  if (!HEX64.test(imageDigest)) return undefined;
  const moduleSha = (await Deno.readTextFile(`${cacheDir}/oci/${imageDigest}`).catch(() => "")).trim();
  return HEX64.test(moduleSha) ? await readCachedModule(cacheDir, moduleSha) : undefined;
}

/** Records that the images `imageDigests` hold `module` (whose SHA-256 is `moduleSha`), and caches the module. */
export async function storeImageModule(
  cacheDir: string,
  imageDigests: readonly string[],
  moduleSha: string,
  module: Uint8Array,
): Promise<void> {
  await storeModule(cacheDir, moduleSha, module);
  const entry = new TextEncoder().encode(`${moduleSha}\n`);
  for (const digest of imageDigests) await writeAtomically(`${cacheDir}/oci`, digest, entry);
}
