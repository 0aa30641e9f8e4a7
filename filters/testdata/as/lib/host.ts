// Small typed helpers over the host functions, for the test filters.
import * as abi from "./imports";

export const LOG_INFO: i32 = 2;
export const REQUEST_HEADERS: i32 = 0;
export const RESPONSE_HEADERS: i32 = 2;
export const CALL_RESPONSE_HEADERS: i32 = 6;
export const REQUEST_BODY: i32 = 0;
export const RESPONSE_BODY: i32 = 1;
export const CALL_RESPONSE_BODY: i32 = 4;
export const VM_CONFIGURATION: i32 = 6;
export const PLUGIN_CONFIGURATION: i32 = 7;

// Return slots for (pointer, length) results, and one for extra u32/u64 results.
const RET_PTR: usize = memory.data(8);
const RET_LEN: usize = memory.data(8);
const RET_EXTRA: usize = memory.data(8);

/** The status of the last call made through these helpers. */
export let lastStatus: u32 = 0;

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

/** The bytes the host returned in the slots (copied; the host's block is freed). */
function takeBytes(): ArrayBuffer {
  const p = load<usize>(RET_PTR);
  const n = load<usize>(RET_LEN);
  const out = new ArrayBuffer(<i32>n);
  if (n > 0) memory.copy(changetype<usize>(out), p, n);
  if (p != 0) heap.free(p);
  return out;
}

function takeString(): string {
  const p = load<usize>(RET_PTR);
  const n = load<usize>(RET_LEN);
  const s = n > 0 ? String.UTF8.decodeUnsafe(p, n) : "";
  if (p != 0) heap.free(p);
  return s;
}

export function log(level: i32, message: string): void {
  const b = utf8(message);
  abi.proxy_log(level, ptr(b), b.byteLength);
}

export function getHeader(map: i32, name: string): string | null {
  const k = utf8(name);
  lastStatus = abi.proxy_get_header_map_value(map, ptr(k), k.byteLength, RET_PTR, RET_LEN);
  if (lastStatus != 0) return null;
  return takeString();
}

export function addHeader(map: i32, name: string, value: string): u32 {
  const k = utf8(name);
  const v = utf8(value);
  return abi.proxy_add_header_map_value(map, ptr(k), k.byteLength, ptr(v), v.byteLength);
}

export function replaceHeader(map: i32, name: string, value: string): u32 {
  const k = utf8(name);
  const v = utf8(value);
  return abi.proxy_replace_header_map_value(map, ptr(k), k.byteLength, ptr(v), v.byteLength);
}

export function removeHeader(map: i32, name: string): u32 {
  const k = utf8(name);
  return abi.proxy_remove_header_map_value(map, ptr(k), k.byteLength);
}

/** Serializes `[name, value, name, value, …]` the Proxy-Wasm way. */
export function serializePairs(fields: string[]): ArrayBuffer {
  const count = fields.length >> 1;
  let size = 4 + count * 8;
  for (let i = 0; i < fields.length; i++) size += String.UTF8.byteLength(fields[i]) + 1;
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, count);
  let sizes = base + 4;
  let data = base + 4 + count * 8;
  for (let i = 0; i < fields.length; i++) {
    const b = utf8(fields[i]);
    store<u32>(sizes, b.byteLength);
    sizes += 4;
    memory.copy(data, changetype<usize>(b), b.byteLength);
    data += b.byteLength;
    store<u8>(data, 0);
    data += 1;
  }
  return out;
}

/** Parses serialized pairs into `[name, value, …]`. */
export function parsePairs(buf: ArrayBuffer): string[] {
  const out = new Array<string>();
  if (buf.byteLength < 4) return out;
  const base = changetype<usize>(buf);
  const count = load<u32>(base);
  let sizes = base + 4;
  let data = base + 4 + count * 8;
  for (let i: u32 = 0; i < count * 2; i++) {
    const n = load<u32>(sizes);
    sizes += 4;
    out.push(String.UTF8.decodeUnsafe(data, n));
    data += n + 1;
  }
  return out;
}

export function getHeaderPairs(map: i32): string[] {
  lastStatus = abi.proxy_get_header_map_pairs(map, RET_PTR, RET_LEN);
  return parsePairs(takeBytes());
}

export function setHeaderPairs(map: i32, fields: string[]): u32 {
  const b = serializePairs(fields);
  return abi.proxy_set_header_map_pairs(map, ptr(b), b.byteLength);
}

/** Buffer bytes `[start, start + max)`; null when the host says no. */
export function getBuffer(type: i32, start: usize, max: usize): ArrayBuffer | null {
  lastStatus = abi.proxy_get_buffer_bytes(type, start, max, RET_PTR, RET_LEN);
  if (lastStatus != 0) return null;
  return takeBytes();
}

export function getBufferString(type: i32, start: usize, max: usize): string | null {
  const b = getBuffer(type, start, max);
  return b === null ? null : String.UTF8.decode(b);
}

export function setBuffer(type: i32, start: usize, size: usize, data: string): u32 {
  const b = utf8(data);
  return abi.proxy_set_buffer_bytes(type, start, size, ptr(b), b.byteLength);
}

export function sendLocalResponse(status: u32, details: string, body: string, headers: string[], grpcStatus: i32): u32 {
  const d = utf8(details);
  const b = utf8(body);
  const h = serializePairs(headers);
  return abi.proxy_send_local_response(status, ptr(d), d.byteLength, ptr(b), b.byteLength, ptr(h), h.byteLength, grpcStatus);
}

/** Starts an HTTP call; returns the token (and sets lastStatus). */
export function httpCall(cluster: string, headers: string[], body: string, timeoutMs: u32): u32 {
  const c = utf8(cluster);
  const h = serializePairs(headers);
  const b = utf8(body);
  const t = serializePairs([]);
  lastStatus = abi.proxy_http_call(ptr(c), c.byteLength, ptr(h), h.byteLength, ptr(b), b.byteLength, ptr(t), t.byteLength, timeoutMs, RET_EXTRA);
  return load<u32>(RET_EXTRA);
}

/** Joins path segments with NUL, as property paths are. */
function propertyPath(path: string[]): ArrayBuffer {
  return utf8(path.join("\0"));
}

export function getProperty(path: string[]): ArrayBuffer | null {
  const p = propertyPath(path);
  lastStatus = abi.proxy_get_property(ptr(p), p.byteLength, RET_PTR, RET_LEN);
  if (lastStatus != 0) return null;
  return takeBytes();
}

export function getPropertyString(path: string[]): string {
  const b = getProperty(path);
  return b === null ? "<none:" + lastStatus.toString() + ">" : String.UTF8.decode(b);
}

/** An 8-byte little-endian integer property as a decimal string. */
export function getPropertyInt(path: string[]): string {
  const b = getProperty(path);
  if (b === null) return "<none:" + lastStatus.toString() + ">";
  if (b.byteLength != 8) return "<size:" + b.byteLength.toString() + ">";
  return load<i64>(changetype<usize>(b)).toString();
}

export function setProperty(path: string[], value: string): u32 {
  const p = propertyPath(path);
  const v = utf8(value);
  return abi.proxy_set_property(ptr(p), p.byteLength, ptr(v), v.byteLength);
}

/** The shared value of `key` as a string and its CAS in `lastCas`; null when absent. */
export let lastCas: u32 = 0;

export function getSharedData(key: string): string | null {
  const k = utf8(key);
  lastStatus = abi.proxy_get_shared_data(ptr(k), k.byteLength, RET_PTR, RET_LEN, RET_EXTRA);
  if (lastStatus != 0) return null;
  lastCas = load<u32>(RET_EXTRA);
  return takeString();
}

export function setSharedData(key: string, value: string, cas: u32): u32 {
  const k = utf8(key);
  const v = utf8(value);
  return abi.proxy_set_shared_data(ptr(k), k.byteLength, ptr(v), v.byteLength, cas);
}

export function registerQueue(name: string): u32 {
  const n = utf8(name);
  lastStatus = abi.proxy_register_shared_queue(ptr(n), n.byteLength, RET_EXTRA);
  return load<u32>(RET_EXTRA);
}

export function resolveQueue(vmId: string, name: string): u32 {
  const v = utf8(vmId);
  const n = utf8(name);
  lastStatus = abi.proxy_resolve_shared_queue(ptr(v), v.byteLength, ptr(n), n.byteLength, RET_EXTRA);
  return load<u32>(RET_EXTRA);
}

export function enqueue(id: u32, value: string): u32 {
  const v = utf8(value);
  return abi.proxy_enqueue_shared_queue(id, ptr(v), v.byteLength);
}

/** The next item, or null (lastStatus says EMPTY or NOT_FOUND). */
export function dequeue(id: u32): string | null {
  lastStatus = abi.proxy_dequeue_shared_queue(id, RET_PTR, RET_LEN);
  if (lastStatus != 0) return null;
  return takeString();
}

export function defineMetric(type: i32, name: string): u32 {
  const n = utf8(name);
  lastStatus = abi.proxy_define_metric(type, ptr(n), n.byteLength, RET_EXTRA);
  return load<u32>(RET_EXTRA);
}

export function getMetric(id: u32): u64 {
  lastStatus = abi.proxy_get_metric(id, RET_EXTRA);
  return load<u64>(RET_EXTRA);
}

export function contains(haystack: string, needle: string): bool {
  return haystack.indexOf(needle) >= 0;
}
