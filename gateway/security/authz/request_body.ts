/**
 * The request body for an ext_authz check (`includeRequestBodyInCheck`), as Envoy buffers it: up to
 * `maxRequestBytes`; a longer body is refused with 413 unless partial messages are allowed, then the check
 * gets the first bytes. The request forwarded afterwards carries the whole body either way.
 * @module
 */
import { concatChunks } from "../../proxy/http1/body_read_ahead.ts";

/** What buffering gave: the check's bytes and the request to forward; or `tooLarge`. */
export type BufferedBody =
  | { readonly tooLarge: false; readonly bytes: Uint8Array; readonly req: Request }
  | { readonly tooLarge: true };

/** Reads up to `maxBytes` (plus one chunk, to see whether the body goes on) of `req`'s body. */
export async function bufferRequestBody(
  req: Request,
  maxBytes: number,
  allowPartial: boolean,
): Promise<BufferedBody> {
  if (req.body === null) return { tooLarge: false, bytes: new Uint8Array(0), req };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  while (total <= maxBytes) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    total += r.value.length;
  }
  const all = concatChunks(chunks);
  if (done) return { tooLarge: false, bytes: all, req: new Request(req, { body: all as BodyInit }) };
  if (!allowPartial) {
    await reader.cancel();
    return { tooLarge: true };
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(all);
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return {
    tooLarge: false,
    bytes: all.subarray(0, maxBytes),
    req: new Request(req, { body: rest, duplex: "half" } as RequestInit),
  };
}
