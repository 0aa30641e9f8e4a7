// Local replies: a path under /deny gets 403 with a body and a header; /grpc-deny gets a gRPC status;
// the filter returns StopIteration after replying, as SDK filters do. /reset closes the stream instead;
// /continue-early calls continue_stream and then returns StopIteration (which must not stall the stream).
import * as abi from "./lib/imports";
import { getHeader, REQUEST_HEADERS, sendLocalResponse } from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  const path = getHeader(REQUEST_HEADERS, ":path");
  if (path === null) return 0;
  if (path.startsWith("/grpc-deny")) {
    sendLocalResponse(200, "grpc_denied", "", ["content-type", "application/grpc"], 7);
    return 1;
  }
  if (path.startsWith("/reset")) {
    abi.proxy_close_stream(0);
    return 1;
  }
  if (path.startsWith("/continue-early")) {
    abi.proxy_continue_stream(0);
    return 1;
  }
  if (path.startsWith("/deny")) {
    sendLocalResponse(403, "wasm_denied", "denied by wasm\n", ["x-denied", "yes", "content-type", "text/plain"], -1);
    return 1;
  }
  return 0;
}
