// Misbehaviour on request: x-trap executes unreachable, x-abort fails an assertion (abort -> proc_exit),
// x-loop spins forever, x-recurse recurses without end, x-alloc allocates until memory runs out,
// x-trap-response traps in on_response_headers. Otherwise it adds x-trap-ok.
import { addHeader, getHeader, REQUEST_HEADERS } from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

const NEVER_SET: usize = memory.data(4);
let trapResponse = false;
let sink: usize = 0;

function recurse(n: u32): u32 {
  return recurse(n + 1) + 1;
}

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  if (getHeader(REQUEST_HEADERS, "x-trap") !== null) unreachable();
  if (getHeader(REQUEST_HEADERS, "x-abort") !== null) abort("asked to abort");
  if (getHeader(REQUEST_HEADERS, "x-loop") !== null) {
    while (load<u32>(NEVER_SET) == 0) sink++;
  }
  if (getHeader(REQUEST_HEADERS, "x-recurse") !== null) sink = recurse(0);
  if (getHeader(REQUEST_HEADERS, "x-alloc") !== null) {
    while (true) {
      const block = heap.alloc(1 << 20);
      store<u8>(block, 1);
      sink += block;
    }
  }
  trapResponse = getHeader(REQUEST_HEADERS, "x-trap-response") !== null;
  addHeader(REQUEST_HEADERS, "x-trap-ok", "yes");
  return 0;
}

export function proxy_on_response_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  if (trapResponse) unreachable();
  return 0;
}
