/**
 * Reading a manifest of the OCI distribution API: an image index (OCI index or Docker manifest list), whose entry
 * for this gateway is chosen by platform, or an image manifest (OCI or Docker schema 2), whose layers tell where
 * the Wasm module is.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import {
  CNCF_WASM_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_LAYER_TAR,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_TAR,
  OCI_MANIFEST,
  WASM_LAYER,
} from "./media_types.ts";

/** A platform of an index entry. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
}

/** A content descriptor: what a manifest says about a blob or a child manifest. */
export interface Descriptor {
  readonly mediaType: string;
  /** The hex SHA-256 of the content. */
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
}

/** A parsed manifest: an index of per-platform manifests, or one image. */
export type Manifest =
  | { readonly kind: "index"; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | { readonly kind: "image"; readonly mediaType: string; readonly layers: readonly Descriptor[] };

/** Where an image keeps its module: a tar(.gz) layer holding `plugin.wasm`, or a raw module layer. */
export interface ModuleLayer {
  /** `compat`: solo-io's compat layout (Docker or OCI tar layer); `artifact`: the Wasm artifact layout. */
  readonly layout: "compat" | "artifact";
  readonly layer: Descriptor;
  /** How the compat layer's tar is compressed. */
  readonly compression: "gzip" | "none";
}

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const IMAGE_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const TAR_LAYERS: ReadonlyMap<string, "gzip" | "none"> = new Map([
  [DOCKER_LAYER_GZIP, "gzip"],
  [OCI_LAYER_GZIP, "gzip"],
  [OCI_LAYER_TAR, "none"],
  [DOCKER_LAYER_TAR, "none"],
]);
const MODULE_LAYERS = new Set([WASM_LAYER, CNCF_WASM_LAYER]);

/** Parses manifest bytes; the media type comes from the response's `Content-Type`, else the document. */
export function parseManifest(bytes: Uint8Array, contentType?: string): Manifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ModuleFetchError(`could not parse manifest: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ModuleFetchError("could not parse manifest: not a JSON object");
  }
  const header = contentType?.split(";", 1)[0].trim().toLowerCase();
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  const mediaType = [header, declared].find((t) => t && (INDEX_TYPES.has(t) || IMAGE_TYPES.has(t))) ??
    (Array.isArray(doc.manifests) ? OCI_INDEX : Array.isArray(doc.layers) ? OCI_MANIFEST : undefined);
  if (!mediaType) {
    throw new ModuleFetchError(
      `unsupported manifest media type ${
        header ?? declared ?? "(none)"
      } (expected an OCI or Docker v2 image)`,
    );
  }
  if (doc.schemaVersion !== 2) throw new ModuleFetchError("unsupported manifest: schemaVersion must be 2");
  if (INDEX_TYPES.has(mediaType)) {
    return { kind: "index", mediaType, manifests: descriptors(doc.manifests, "manifests") };
  }
  return { kind: "image", mediaType, layers: descriptors(doc.layers, "layers") };
}

function descriptors(value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw new ModuleFetchError(`invalid manifest: ${field} must be a list`);
  return value.map((d, i) => {
    const at = `${field}[${i}]`;
    if (d === null || typeof d !== "object") {
      throw new ModuleFetchError(`invalid manifest: ${at} is not an object`);
    }
    const { mediaType, digest, size, platform } = d as Record<string, unknown>;
    if (typeof mediaType !== "string") {
      throw new ModuleFetchError(`invalid manifest: ${at}.mediaType is missing`);
    }
    const hex = typeof digest === "string" ? /^sha256:([a-f0-9]{64})$/.exec(digest)?.[1] : undefined;
    if (!hex) {
      throw new ModuleFetchError(
        `unsupported digest ${JSON.stringify(digest)} in ${at} (only sha256 is supported)`,
      );
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new ModuleFetchError(`invalid manifest: ${at}.size must be a non-negative integer`);
    }
    const p = platform as Record<string, unknown> | undefined;
    return {
      mediaType,
      digest: hex,
      size,
      platform: p && typeof p.os === "string" && typeof p.architecture === "string"
        ? { os: p.os, architecture: p.architecture }
        : undefined,
    };
  });
}

/**
 * The index entry to use: `linux/amd64` (go-containerregistry's default platform, which Istio's agent uses),
 * else the only image entry, else a `wasm` architecture entry. Attestation entries (`unknown/unknown`) are
 * ignored.
 */
export function selectIndexEntry(index: Manifest & { kind: "index" }): Descriptor {
  const images = index.manifests.filter((d) =>
    IMAGE_TYPES.has(d.mediaType) && !(d.platform?.os === "unknown" && d.platform.architecture === "unknown")
  );
  const chosen = images.find((d) => d.platform?.os === "linux" && d.platform.architecture === "amd64") ??
    (images.length === 1 ? images[0] : images.find((d) => d.platform?.architecture === "wasm"));
  if (chosen) return chosen;
  const platforms = images.map((d) => d.platform ? `${d.platform.os}/${d.platform.architecture}` : "(none)");
  throw new ModuleFetchError(
    `no image for platform linux/amd64 or wasm in the index (platforms: ${platforms.join(", ") || "none"})`,
  );
}

/**
 * The layer holding the module, as Istio's agent looks for it: the last layer when it is a tar(.gz) (compat
 * layout), else a Wasm module layer (artifact layout, any number of layers).
 */
export function findModuleLayer(image: Manifest & { kind: "image" }): ModuleLayer {
  const last = image.layers.at(-1);
  const compression = last ? TAR_LAYERS.get(last.mediaType) : undefined;
  if (last && compression) return { layout: "compat", layer: last, compression };
  const raw = image.layers.find((l) => MODULE_LAYERS.has(l.mediaType));
  if (raw) return { layout: "artifact", layer: raw, compression: "none" };
  const types = image.layers.map((l) => l.mediaType).join(", ") || "none";
  throw new ModuleFetchError(
    `the image holds no Wasm module: layers [${types}]; expected a tar(.gz) last layer with plugin.wasm ` +
      `or a ${WASM_LAYER} layer`,
  );
}
