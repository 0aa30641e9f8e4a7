// Body inspection and rewrite: the request body is buffered to the end; "forbidden" in it gets 400,
// otherwise every "hello" becomes "HELLO" (replacing the whole buffer). The response body is buffered and
// a marker appended; content-length goes, since the size changes.
import {
  getBufferString,
  removeHeader,
  REQUEST_BODY,
  RESPONSE_BODY,
  RESPONSE_HEADERS,
  sendLocalResponse,
  setBuffer,
} from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_body(context: u32, size: u32, endOfStream: u32): u32 {
  if (!endOfStream) return 1;
  const body = getBufferString(REQUEST_BODY, 0, size);
  if (body === null) return 0;
  if (body.indexOf("forbidden") >= 0) {
    sendLocalResponse(400, "body_rejected", "forbidden content\n", [], -1);
    return 1;
  }
  setBuffer(REQUEST_BODY, 0, size, body.replaceAll("hello", "HELLO"));
  return 0;
}

export function proxy_on_response_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  removeHeader(RESPONSE_HEADERS, "content-length");
  return 0;
}

export function proxy_on_response_body(context: u32, size: u32, endOfStream: u32): u32 {
  if (!endOfStream) return 1;
  setBuffer(RESPONSE_BODY, size, 0, "<!-- inspected by wasm -->");
  return 0;
}
