/**
 * Resolving an image reference to one image: its manifest (through an index when the reference names one), whose
 * digest Istio compares a WasmPlugin's `sha256` with, and, on demand, the module in its layer.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import { moduleFromLayer } from "./layer.ts";
import { findModuleLayer, parseManifest, selectIndexEntry } from "./manifest.ts";
import type { ImageReference } from "./reference.ts";
import type { RegistrySession } from "./registry_client.ts";

/** An image whose manifest is known; its module is downloaded by `module()`. */
export interface ResolvedImage {
  /** The hex SHA-256 of the image manifest. */
  readonly digest: string;
  /** The hex SHA-256 of the index the reference named, when it named one. */
  readonly indexDigest?: string;
  /** `compat` or `artifact`, the layout the module was found in (known once `module()` ran). */
  layout?: string;
  /** Downloads the module's layer and extracts the module. */
  module(): Promise<Uint8Array>;
}

/** Fetches the manifest `ref` names, following an index to the entry for this platform. */
export async function resolveImage(session: RegistrySession, ref: ImageReference): Promise<ResolvedImage> {
  let fetched = await session.manifest(ref.digest ?? ref.tag!, ref.digest !== undefined);
  let manifest = parseManifest(fetched.bytes, fetched.contentType);
  let indexDigest: string | undefined;
  if (manifest.kind === "index") {
    indexDigest = fetched.digest;
    fetched = await session.manifest(selectIndexEntry(manifest).digest, true);
    manifest = parseManifest(fetched.bytes, fetched.contentType);
    if (manifest.kind === "index") throw new ModuleFetchError("an index inside an index is not supported");
  }
  const image = manifest;
  const resolved: ResolvedImage = {
    digest: fetched.digest,
    indexDigest,
    async module() {
      const layer = findModuleLayer(image);
      resolved.layout = layer.layout;
      return await moduleFromLayer(await session.blob(layer.layer), layer);
    },
  };
  return resolved;
}
