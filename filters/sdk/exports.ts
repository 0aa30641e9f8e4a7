// The module's exports the host calls (Proxy-Wasm ABI 0.2.1), dispatched to the filter's contexts. The
// filter build adds these to every filter; filters never import this file.
import * as abi from "./imports";
import { makeRoot, RootContext, StreamContext } from "./context";
import { callOwners, HttpCallResponse } from "./http_call";
import { RET_LEN, RET_PTR, takeString } from "./memory";
import { BufferType } from "./status";
import "./runtime";

const roots = new Map<u32, RootContext>();
const streams = new Map<u32, StreamContext>();

function readBuffer(type: BufferType, size: u32): string {
  if (size == 0) return "";
  if (abi.proxy_get_buffer_bytes(<i32>type, 0, size, RET_PTR, RET_LEN) != 0) return "";
  return takeString();
}

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return heap.alloc(size);
}

export function proxy_on_context_create(id: u32, parent: u32): void {
  if (parent == 0) {
    const root = makeRoot();
    root.id = id;
    roots.set(id, root);
    return;
  }
  const owner = roots.has(parent) ? roots.get(parent) : makeRoot();
  const stream = owner.newStream();
  stream.id = id;
  streams.set(id, stream);
}

export function proxy_on_vm_start(id: u32, size: u32): u32 {
  if (!roots.has(id)) return 1;
  return roots.get(id).onVmStart(readBuffer(BufferType.VmConfiguration, size)) ? 1 : 0;
}

export function proxy_on_configure(id: u32, size: u32): u32 {
  if (!roots.has(id)) return 1;
  return roots.get(id).onConfigure(readBuffer(BufferType.PluginConfiguration, size)) ? 1 : 0;
}

export function proxy_on_tick(id: u32): void {
  if (roots.has(id)) roots.get(id).onTick();
}

export function proxy_on_queue_ready(id: u32, queue: u32): void {
  if (roots.has(id)) roots.get(id).onQueueReady(queue);
}

export function proxy_on_request_headers(id: u32, headers: u32, endOfStream: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onRequestHeaders(endOfStream != 0) : 0;
}

export function proxy_on_request_body(id: u32, size: u32, endOfStream: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onRequestBody(size, endOfStream != 0) : 0;
}

export function proxy_on_request_trailers(id: u32, count: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onRequestTrailers() : 0;
}

export function proxy_on_response_headers(id: u32, headers: u32, endOfStream: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onResponseHeaders(endOfStream != 0) : 0;
}

export function proxy_on_response_body(id: u32, size: u32, endOfStream: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onResponseBody(size, endOfStream != 0) : 0;
}

export function proxy_on_response_trailers(id: u32, count: u32): u32 {
  return streams.has(id) ? <u32>streams.get(id).onResponseTrailers() : 0;
}

export function proxy_on_http_call_response(id: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  if (!callOwners.has(token)) return;
  const owner = callOwners.get(token);
  callOwners.delete(token);
  const response = new HttpCallResponse(token, headers, bodySize);
  if (streams.has(owner)) {
    abi.proxy_set_effective_context(owner);
    streams.get(owner).onHttpCallResponse(response);
  } else if (roots.has(owner)) {
    roots.get(owner).onHttpCallResponse(response);
  }
}

export function proxy_on_done(id: u32): u32 {
  if (streams.has(id)) {
    streams.get(id).onDone();
    return 1;
  }
  return roots.has(id) ? (roots.get(id).onDone() ? 1 : 0) : 1;
}

export function proxy_on_log(id: u32): void {
  if (streams.has(id)) streams.get(id).onLog();
}

export function proxy_on_delete(id: u32): void {
  if (streams.has(id)) streams.delete(id);
  else roots.delete(id);
}
