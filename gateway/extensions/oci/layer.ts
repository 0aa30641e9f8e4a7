/**
 * The module inside a layer blob: the blob itself for the artifact layout, or the `plugin.wasm` file of the
 * compat layout's tar (gzipped or not; the file may sit in any folder, as Istio's agent accepts).
 * @module
 */
import { parseTar } from "nanotar";
import { ModuleFetchError } from "../module_error.ts";
import { readBounded } from "./bounded_read.ts";
import type { ModuleLayer } from "./manifest.ts";
import { COMPAT_MODULE_FILE } from "./media_types.ts";
import { MAX_BLOB_BYTES } from "./registry_client.ts";

/** The Wasm module of `layer`, whose content is `blob`. */
export async function moduleFromLayer(blob: Uint8Array, layer: ModuleLayer): Promise<Uint8Array> {
  if (layer.layout === "artifact") return blob;
  let tar = blob;
  if (layer.compression === "gzip") {
    try {
      const inflated = ReadableStream.from<BufferSource>([blob as Uint8Array<ArrayBuffer>])
        .pipeThrough(new DecompressionStream("gzip"));
      tar = await readBounded(inflated, MAX_BLOB_BYTES, "the decompressed layer");
    } catch (e) {
      if (e instanceof ModuleFetchError) throw e;
      throw new ModuleFetchError(`failed to parse layer as tar.gz: ${(e as Error).message}`);
    }
  }
  let files;
  try {
    files = parseTar(tar.slice(), {
      filter: (f) => f.name.split("/").at(-1) === COMPAT_MODULE_FILE,
    });
  } catch (e) {
    throw new ModuleFetchError(`failed to read the layer's tar: ${(e as Error).message}`);
  }
  const data = files.find((f) => f.data !== undefined)?.data;
  if (!data) throw new ModuleFetchError(`${COMPAT_MODULE_FILE} not found in the archive`);
  return new Uint8Array(data);
}
