/**
 * Reading a response or stream whole, up to a byte limit: registries, layers and module URLs are untrusted, so
 * neither a large blob nor a gzip bomb may exhaust the gateway's memory.
 * @module
 */
import { concatChunks } from "../../proxy/http1/body_read_ahead.ts";
import { ModuleFetchError } from "../module_error.ts";

/** The largest module, blob or decompressed layer read (256 MiB). */
export const MAX_MODULE_BYTES = 256 * 1024 * 1024;

/** All bytes of `source` (a Response's body or a stream); throws ModuleFetchError past `max` bytes. */
export async function readBounded(
  source: Response | ReadableStream<Uint8Array>,
  max: number,
  what: string,
): Promise<Uint8Array> {
  const tooBig = () => new ModuleFetchError(`${what} is larger than ${max} bytes`);
  let stream: ReadableStream<Uint8Array> | null;
  if (source instanceof Response) {
    if (Number(source.headers.get("content-length") ?? NaN) > max) {
      await source.body?.cancel();
      throw tooBig();
    }
    stream = source.body;
  } else {
    stream = source;
  }
  if (!stream) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return concatChunks(chunks);
}
