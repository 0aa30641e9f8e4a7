// An auth filter: asks the "auth" cluster about the request's authorization header with http_call and
// pauses; the answer arrives on the root context, which switches to the stream and either adds
// x-auth-user and continues, or denies with 403 (503 when the call failed). No header: 401 at once.
// The plugin configuration, if any, is the call timeout in milliseconds (default 1000). A request with
// x-trap makes the VM trap (to fail the streams still waiting for their calls).
import * as abi from "./lib/imports";
import {
  addHeader,
  CALL_RESPONSE_BODY,
  CALL_RESPONSE_HEADERS,
  getBufferString,
  getHeader,
  httpCall,
  lastStatus,
  log,
  PLUGIN_CONFIGURATION,
  REQUEST_HEADERS,
  sendLocalResponse,
} from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

let rootContext: u32 = 0;
let timeoutMs: u32 = 1000;
const streamOfCall = new Map<u32, u32>();

export function proxy_on_context_create(context: u32, parent: u32): void {
  if (parent == 0) rootContext = context;
}

export function proxy_on_configure(context: u32, size: u32): u32 {
  const config = getBufferString(PLUGIN_CONFIGURATION, 0, size);
  if (config !== null && config.length > 0) timeoutMs = U32.parseInt(config);
  return 1;
}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  if (getHeader(REQUEST_HEADERS, "x-trap") !== null) unreachable();
  const token = getHeader(REQUEST_HEADERS, "authorization");
  if (token === null) {
    sendLocalResponse(401, "auth_missing", "missing credentials\n", [], -1);
    return 1;
  }
  const call = httpCall(
    "auth",
    [":method", "GET", ":path", "/check", ":authority", "auth.local", "authorization", token],
    "",
    timeoutMs,
  );
  if (lastStatus != 0) {
    sendLocalResponse(500, "auth_call_failed", "http_call status " + lastStatus.toString() + "\n", [], -1);
    return 1;
  }
  streamOfCall.set(call, context);
  return 1;
}

export function proxy_on_http_call_response(context: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  // The response belongs to the root context (Envoy's behaviour); anything else is a host bug.
  if (context != rootContext) {
    log(5, "http call response delivered to context " + context.toString());
    unreachable();
  }
  if (!streamOfCall.has(token)) return;
  const stream = streamOfCall.get(token);
  streamOfCall.delete(token);
  abi.proxy_set_effective_context(stream);
  if (headers == 0) {
    sendLocalResponse(503, "auth_unavailable", "auth service unavailable\n", [], -1);
    return;
  }
  const status = getHeader(CALL_RESPONSE_HEADERS, ":status");
  const body = getBufferString(CALL_RESPONSE_BODY, 0, bodySize);
  if (status == "200" && body !== null) {
    addHeader(REQUEST_HEADERS, "x-auth-user", body);
    abi.proxy_continue_stream(0);
  } else {
    sendLocalResponse(403, "auth_denied", "denied: " + (body === null ? "" : body) + "\n", [], -1);
  }
}
