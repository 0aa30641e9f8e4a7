/**
 * HTTP/1.1 upstream client on `Deno.connect`: a pooled, streaming, transparent replacement for `sendUpstream`.
 * @module
 */
export { Http1Client, type Http1ClientOptions, sendUpstreamHttp1 } from "./client.ts";
