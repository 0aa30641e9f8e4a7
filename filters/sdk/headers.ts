// Typed access to a header map of the current stream (or of an HTTP call's response).
import * as abi from "./imports";
import { HeaderPair, parsePairs, ptr, RET_LEN, RET_PTR, serializePairs, takeBytes, takeString, utf8 } from "./memory";
import { MapType, WasmResult } from "./status";

/**
 * One header map. Names are lowercase; pseudo-headers (`:method`, `:path`, `:authority`, `:scheme`,
 * `:status`) are entries like any other. Edits to request headers before the route is chosen make the
 * gateway choose the route again.
 */
export class HeaderMap {
  constructor(public readonly type: MapType) {}

  /** The value of `name`, or null when absent (repeated headers: the first). */
  get(name: string): string | null {
    const k = utf8(name);
    if (abi.proxy_get_header_map_value(<i32>this.type, ptr(k), k.byteLength, RET_PTR, RET_LEN) != 0) return null;
    return takeString();
  }

  /** Whether `name` is present. */
  has(name: string): bool {
    return this.get(name) !== null;
  }

  /** Replaces every value of `name` with `value` (adds it when absent). */
  set(name: string, value: string): WasmResult {
    const k = utf8(name);
    const v = utf8(value);
    return <WasmResult>abi.proxy_replace_header_map_value(<i32>this.type, ptr(k), k.byteLength, ptr(v), v.byteLength);
  }

  /** Adds a value of `name`, keeping the ones there. */
  add(name: string, value: string): WasmResult {
    const k = utf8(name);
    const v = utf8(value);
    return <WasmResult>abi.proxy_add_header_map_value(<i32>this.type, ptr(k), k.byteLength, ptr(v), v.byteLength);
  }

  /** Removes every value of `name`. */
  remove(name: string): WasmResult {
    const k = utf8(name);
    return <WasmResult>abi.proxy_remove_header_map_value(<i32>this.type, ptr(k), k.byteLength);
  }

  /** Every entry, in order. */
  all(): HeaderPair[] {
    if (abi.proxy_get_header_map_pairs(<i32>this.type, RET_PTR, RET_LEN) != 0) return new Array<HeaderPair>();
    return parsePairs(takeBytes());
  }

  /** Replaces the whole map with `list`. */
  replaceAll(list: HeaderPair[]): WasmResult {
    const b = serializePairs(list);
    return <WasmResult>abi.proxy_set_header_map_pairs(<i32>this.type, ptr(b), b.byteLength);
  }
}
