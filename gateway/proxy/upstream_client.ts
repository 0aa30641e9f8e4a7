/**
 * The upstream client the gateway uses. Requests without a body or with a body given whole (most traffic: the
 * gateway buffers bodies up to 64 KiB of known length) go through the HTTP/1.1 client on `Deno.connect`
 * (`http1/`), which costs about a third of node:http's CPU per request. Streamed bodies go through node:http: measured on this two-core machine with the downstream client, the gateway and the
 * upstream in separate processes, uploads through node:http ran at ~160 MB/s every time, while every
 * `Deno.connect` write path tried (await per chunk, read-ahead queue, `pipeTo(conn.writable)`, with and
 * without TCP_NODELAY) was bimodal between that and ~20 MB/s. Until the cause is found, uploads take the
 * steady path.
 * @module
 */
import { sendUpstreamHttp1 } from "./http1/mod.ts";
import { sendUpstreamNodeHttp } from "./node_http_client.ts";
import type { UpstreamRequest, UpstreamResponse } from "./upstream.ts";

/** Sends a request upstream with the client that suits it. */
export function sendUpstreamAuto(req: UpstreamRequest): Promise<UpstreamResponse> {
  return req.body === null || req.body instanceof Uint8Array
    ? sendUpstreamHttp1(req)
    : sendUpstreamNodeHttp(req);
}
