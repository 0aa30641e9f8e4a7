/**
 * Header and trailer maps: request (0, 1), response (2, 3) and HTTP-call response (6, 7) maps, read and
 * changed as Envoy does (lowercase keys; `get` gives the first value; `replace` keeps the first and drops the
 * rest; `set_header_map_pairs` replaces the whole map). gRPC metadata maps (4, 5) are never available here.
 * @module
 */
import { type HeaderList, isHeaderValue } from "../../gateway/proxy/header_list.ts";
import { MapType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import { pairsSize, readPairs, writePairs } from "../guest/pairs.ts";
import { utf8Length } from "../guest/utf8.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** Characters of an HTTP token (RFC 9110 `tchar`), by char code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/** Whether `name` may be a field name in a map: an HTTP token, or `:` and a token (a pseudo-header). */
export function validFieldName(name: string): boolean {
  const n = name.length;
  let i = n > 1 && name.charCodeAt(0) === 58 ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Lowercased `fields` if every name and value is valid; undefined otherwise. */
export function validFields(fields: string[]): string[] | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i].toLowerCase();
    if (!validFieldName(name) || !isHeaderValue(fields[i + 1])) return undefined;
    fields[i] = name;
  }
  return fields;
}

/** Sets the first field named `key` (lowercase) to `value` and drops the others; appends when absent. */
/** The header map host functions of `vm`. */
export function headerMapFunctions(vm: WasmVm): HostFunctions {
  const readable = (type: number): HeaderList | undefined => {
    if (type === MapType.HttpCallResponseHeaders) return vm.callResponse?.headers;
    if (type === MapType.HttpCallResponseTrailers) return vm.callResponse?.trailers;
    return type <= MapType.HttpResponseTrailers ? vm.effective.headerMap(type) : undefined;
  };
  const writable = (type: number): HeaderList | undefined =>
    type <= MapType.HttpResponseTrailers ? vm.effective.writableHeaderMap(type) : undefined;
  const missingMap = (type: number): number =>
    type > MapType.HttpCallResponseTrailers || !vm.effective.inLogPhase
      ? Status.BadArgument
      : Status.NotFound;
  const keyAt = (ptr: number, len: number): string | undefined => vm.memory.lowercase(ptr >>> 0, len >>> 0);
  /** `add_header_map_value` (`replace` false) and `replace_header_map_value` (`replace` true). */
  const writeField = (
    type: number,
    keyPtr: number,
    keyLen: number,
    valuePtr: number,
    valueLen: number,
    replace: boolean,
  ): number => {
    const map = writable(type);
    if (!map) return Status.BadArgument;
    const key = keyAt(keyPtr, keyLen);
    const value = vm.memory.string(valuePtr >>> 0, valueLen >>> 0);
    if (key === undefined || value === undefined) return Status.InvalidMemoryAccess;
    if (!validFieldName(key) || !isHeaderValue(value)) return Status.BadArgument;
    if (replace) map.setValid(key, value);
    else map.fields.push(key, value);
    vm.effective.headersModified(type);
    return Status.Ok;
  };

  return {
    proxy_get_header_map_size(type: number, sizePtr: number): number {
      const map = readable(type);
      if (!map) return missingMap(type);
      let size = 0;
      for (const s of map.fields) size += utf8Length(s);
      return vm.memory.setU32(sizePtr >>> 0, size) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_get_header_map_pairs(type: number, ptrPtr: number, lenPtr: number): number {
      const map = readable(type);
      if (!map && type > MapType.HttpCallResponseTrailers) return Status.BadArgument;
      const fields = map?.fields ?? [];
      return vm.memory.returnFilled(
        pairsSize(fields),
        ptrPtr >>> 0,
        lenPtr >>> 0,
        (out, at) => writePairs(out, at, fields),
      );
    },
    proxy_set_header_map_pairs(type: number, ptr: number, len: number): number {
      const map = writable(type);
      if (!map) return Status.BadArgument;
      if (!vm.memory.inBounds(ptr >>> 0, len >>> 0)) return Status.InvalidMemoryAccess;
      const pairs = readPairs(vm.memory.bytes(), ptr >>> 0, len >>> 0);
      const fields = pairs && validFields(pairs);
      if (!fields) return Status.BadArgument;
      map.fields.length = 0;
      for (const s of fields) map.fields.push(s);
      vm.effective.headersModified(type);
      return Status.Ok;
    },
    proxy_get_header_map_value(
      type: number,
      keyPtr: number,
      keyLen: number,
      valuePtrPtr: number,
      valueLenPtr: number,
    ): number {
      const key = keyAt(keyPtr, keyLen);
      if (key === undefined) return Status.InvalidMemoryAccess;
      const map = readable(type);
      const fields = map?.fields;
      if (fields) {
        for (let i = 0; i < fields.length; i += 2) {
          if (fields[i] === key) {
            return vm.memory.returnString(fields[i + 1], valuePtrPtr >>> 0, valueLenPtr >>> 0);
          }
        }
      } else if (!vm.effective.inLogPhase) return missingMap(type);
      if (vm.abi === "0.1.0") return vm.memory.returnString("", valuePtrPtr >>> 0, valueLenPtr >>> 0);
      return Status.NotFound;
    },
    proxy_add_header_map_value(
      type: number,
      keyPtr: number,
      keyLen: number,
      valuePtr: number,
      valueLen: number,
    ): number {
      return writeField(type, keyPtr, keyLen, valuePtr, valueLen, false);
    },
    proxy_replace_header_map_value(
      type: number,
      keyPtr: number,
      keyLen: number,
      valuePtr: number,
      valueLen: number,
    ): number {
      return writeField(type, keyPtr, keyLen, valuePtr, valueLen, true);
    },
    proxy_remove_header_map_value(type: number, keyPtr: number, keyLen: number): number {
      const map = writable(type);
      if (!map) return Status.BadArgument;
      const key = keyAt(keyPtr, keyLen);
      if (key === undefined) return Status.InvalidMemoryAccess;
      map.delete(key);
      vm.effective.headersModified(type);
      return Status.Ok;
    },
  };
}
