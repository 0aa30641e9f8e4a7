// A filter that does nothing: the per-request floor of an AssemblyScript filter.
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_response_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_done(context: u32): u32 {
  return 1;
}

export function proxy_on_log(context: u32): void {}

export function proxy_on_delete(context: u32): void {}
