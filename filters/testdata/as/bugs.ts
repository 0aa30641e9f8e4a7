// The host bugs that real filters expose, checked from inside a filter:
// 1. sizes of usize::MAX reach the host as -1 (it must read them unsigned): get_buffer_bytes with max = -1;
// 3. an empty result comes back as (0, 0) without calling the allocator: the empty plugin configuration;
// 4. plugin_root_id is readable from the root context (the AssemblyScript SDK needs it).
// Results are kept as headers added to each request: x-bug1, x-bug3, x-bug4 ("ok" or what went wrong),
// plus x-log-level (proxy_get_log_level) and x-grpc-status (an UNIMPLEMENTED host function).
import * as abi from "./lib/imports";
import { addHeader, getPropertyString, REQUEST_HEADERS } from "./lib/host";
import { allocations } from "./lib/runtime";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

const RET_PTR: usize = memory.data(8);
const RET_LEN: usize = memory.data(8);
let bug1 = "not run";
let bug3 = "not run";
let bug4 = "not run";

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_vm_start(context: u32, size: u32): u32 {
  // VM configuration "abc" read with max = usize::MAX.
  const status = abi.proxy_get_buffer_bytes(6, 0, <usize>-1, RET_PTR, RET_LEN);
  const len = load<u32>(RET_LEN);
  bug1 = status == 0 && len == 3 && String.UTF8.decodeUnsafe(load<usize>(RET_PTR), 3) == "abc"
    ? "ok"
    : "status " + status.toString() + " len " + len.toString();
  bug4 = getPropertyString(["plugin_root_id"]);
  return 1;
}

export function proxy_on_configure(context: u32, size: u32): u32 {
  const before = allocations;
  store<u32>(RET_PTR, 77);
  store<u32>(RET_LEN, 77);
  const status = abi.proxy_get_buffer_bytes(7, 0, <usize>-1, RET_PTR, RET_LEN);
  const ptr = load<u32>(RET_PTR);
  const len = load<u32>(RET_LEN);
  bug3 = status == 0 && ptr == 0 && len == 0 && allocations == before
    ? "ok"
    : "status " + status.toString() + " ptr " + ptr.toString() + " len " + len.toString();
  return 1;
}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  addHeader(REQUEST_HEADERS, "x-bug1", bug1);
  addHeader(REQUEST_HEADERS, "x-bug3", bug3);
  addHeader(REQUEST_HEADERS, "x-bug4", bug4);
  abi.proxy_get_log_level(RET_PTR);
  addHeader(REQUEST_HEADERS, "x-log-level", load<u32>(RET_PTR).toString());
  addHeader(REQUEST_HEADERS, "x-grpc-status", abi.proxy_grpc_call(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, RET_PTR).toString());
  return 0;
}
