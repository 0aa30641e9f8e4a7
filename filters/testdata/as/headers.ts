// Header add/replace/remove on both directions. Request: adds x-wasm-added, replaces x-replace-me, removes
// x-remove-me, copies :path into x-seen-path; with x-pairs present it round-trips the whole map through
// get/set_header_map_pairs and appends x-pairs-count. Response: adds x-wasm-response, replaces server,
// removes x-powered-by. Constant names and values are encoded once, so a request allocates nothing but
// what the host returns.
import * as abi from "./lib/imports";
import { addHeader, getHeaderPairs, REQUEST_HEADERS, RESPONSE_HEADERS, setHeaderPairs } from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

const RET_PTR: usize = memory.data(8);
const RET_LEN: usize = memory.data(8);

const ADDED = String.UTF8.encode("x-wasm-added");
const YES = String.UTF8.encode("yes");
const REPLACE_ME = String.UTF8.encode("x-replace-me");
const REPLACED = String.UTF8.encode("replaced");
const REMOVE_ME = String.UTF8.encode("x-remove-me");
const PATH = String.UTF8.encode(":path");
const SEEN_PATH = String.UTF8.encode("x-seen-path");
const PAIRS = String.UTF8.encode("x-pairs");
const RESPONSE_ADDED = String.UTF8.encode("x-wasm-response");
const SERVER = String.UTF8.encode("server");
const SERVER_VALUE = String.UTF8.encode("portcullis-wasm");
const POWERED_BY = String.UTF8.encode("x-powered-by");

function p(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

function has(map: i32, name: ArrayBuffer): bool {
  const status = abi.proxy_get_header_map_value(map, p(name), name.byteLength, RET_PTR, RET_LEN);
  if (status != 0) return false;
  heap.free(load<usize>(RET_PTR));
  return true;
}

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  abi.proxy_add_header_map_value(REQUEST_HEADERS, p(ADDED), ADDED.byteLength, p(YES), YES.byteLength);
  abi.proxy_replace_header_map_value(REQUEST_HEADERS, p(REPLACE_ME), REPLACE_ME.byteLength, p(REPLACED), REPLACED.byteLength);
  abi.proxy_remove_header_map_value(REQUEST_HEADERS, p(REMOVE_ME), REMOVE_ME.byteLength);
  if (abi.proxy_get_header_map_value(REQUEST_HEADERS, p(PATH), PATH.byteLength, RET_PTR, RET_LEN) == 0) {
    const value = load<usize>(RET_PTR);
    abi.proxy_add_header_map_value(REQUEST_HEADERS, p(SEEN_PATH), SEEN_PATH.byteLength, value, load<usize>(RET_LEN));
    heap.free(value);
  }
  if (has(REQUEST_HEADERS, PAIRS)) {
    const fields = getHeaderPairs(REQUEST_HEADERS);
    fields.push("x-pairs-count");
    fields.push((fields.length >> 1).toString());
    setHeaderPairs(REQUEST_HEADERS, fields);
    addHeader(REQUEST_HEADERS, "x-pairs-done", "1");
  }
  return 0;
}

export function proxy_on_response_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  abi.proxy_add_header_map_value(RESPONSE_HEADERS, p(RESPONSE_ADDED), RESPONSE_ADDED.byteLength, p(YES), YES.byteLength);
  abi.proxy_replace_header_map_value(RESPONSE_HEADERS, p(SERVER), SERVER.byteLength, p(SERVER_VALUE), SERVER_VALUE.byteLength);
  abi.proxy_remove_header_map_value(RESPONSE_HEADERS, p(POWERED_BY), POWERED_BY.byteLength);
  return 0;
}

export function proxy_on_done(context: u32): u32 {
  return 1;
}

export function proxy_on_log(context: u32): void {}

export function proxy_on_delete(context: u32): void {}
