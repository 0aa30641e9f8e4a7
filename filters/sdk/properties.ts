// Envoy attributes (`proxy_get_property`): `source.address`, `request.path`, `route_name`,
// `plugin_name`, `node.metadata.KEY`, … Paths are written with dots; use the `…At` variants with segments
// when a segment itself has a dot.
import * as abi from "./imports";
import { ptr, RET_LEN, RET_PTR, takeBytes, utf8 } from "./memory";
import { WasmResult } from "./status";

function pathBytes(segments: string[]): ArrayBuffer {
  return utf8(segments.join("\0"));
}

/** The raw value at the path given as segments, or null when the host has none. */
export function getPropertyAt(segments: string[]): ArrayBuffer | null {
  const p = pathBytes(segments);
  if (abi.proxy_get_property(ptr(p), p.byteLength, RET_PTR, RET_LEN) != 0) return null;
  return takeBytes();
}

/** Encoded dotted paths, kept: filters ask for the same few paths on every request. */
const encodedPaths = new Map<string, ArrayBuffer>();

function dottedPathBytes(path: string): ArrayBuffer {
  if (encodedPaths.has(path)) return encodedPaths.get(path);
  const bytes = pathBytes(path.split("."));
  if (encodedPaths.size < 256) encodedPaths.set(path, bytes);
  return bytes;
}

/** The raw value at a dotted path (`"source.address"`), or null. */
export function getProperty(path: string): ArrayBuffer | null {
  const p = dottedPathBytes(path);
  if (abi.proxy_get_property(ptr(p), p.byteLength, RET_PTR, RET_LEN) != 0) return null;
  return takeBytes();
}

/** A string property (`"request.path"`, `"route_name"`), or null. */
export function getPropertyString(path: string): string | null {
  const b = getProperty(path);
  return b === null ? null : String.UTF8.decode(b);
}

/** An integer property (Envoy encodes them as 8 bytes little-endian: `"source.port"`, `"response.code"`). */
export function getPropertyInt(path: string, fallback: i64 = 0): i64 {
  const b = getProperty(path);
  if (b === null || b.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(b));
}

/** A boolean property (one byte), or `fallback`. */
export function getPropertyBool(path: string, fallback: bool = false): bool {
  const b = getProperty(path);
  if (b === null || b.byteLength != 1) return fallback;
  return load<u8>(changetype<usize>(b)) != 0;
}

/** Sets a property for the rest of the stream (other filters and `on_log` read it). */
export function setProperty(path: string, value: string): WasmResult {
  const p = pathBytes(path.split("."));
  const v = utf8(value);
  return <WasmResult>abi.proxy_set_property(ptr(p), p.byteLength, ptr(v), v.byteLength);
}

/**
 * The plugin's name without its namespace: Istio names a WasmPlugin's filter `<namespace>.<name>`
 * (`plugin_name`), this gives `<name>` (or `fallback` when the host has no name).
 */
export function pluginName(fallback: string = ""): string {
  const full = getPropertyString("plugin_name");
  if (full === null || full.length == 0) return fallback;
  const dot = full.indexOf(".");
  return dot < 0 ? full : full.substring(dot + 1);
}
