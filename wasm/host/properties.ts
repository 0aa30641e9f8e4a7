/**
 * `proxy_get_property` and `proxy_set_property`. Paths are NUL-separated segments. Values set by the filter
 * are kept per context (Envoy's filter state) and read back before the host's own attributes.
 * @module
 */
import { Status } from "../abi/status.ts";
import { resolveProperty } from "../properties/resolve.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** `path` split into its segments (a trailing NUL adds no empty segment). */
export function splitPath(path: string): string[] {
  const parts = path.split("\0");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** The property host functions of `vm`. */
export function propertyFunctions(vm: WasmVm): HostFunctions {
  return {
    proxy_get_property(pathPtr: number, pathLen: number, valuePtrPtr: number, valueLenPtr: number): number {
      const path = vm.memory.string(pathPtr >>> 0, pathLen >>> 0);
      if (path === undefined) return Status.InvalidMemoryAccess;
      const segments = splitPath(path);
      const ctx = vm.effective;
      let value: Uint8Array | undefined;
      try {
        value = ctx.properties.get(segments.join("\0")) ?? resolveProperty(segments, ctx.propertyScope());
      } catch {
        return Status.InternalFailure; // the data path's provider threw
      }
      if (value === undefined) return Status.NotFound;
      return vm.memory.returnBytes(value, valuePtrPtr >>> 0, valueLenPtr >>> 0);
    },
    proxy_set_property(pathPtr: number, pathLen: number, valuePtr: number, valueLen: number): number {
      const path = vm.memory.string(pathPtr >>> 0, pathLen >>> 0);
      const value = vm.memory.copy(valuePtr >>> 0, valueLen >>> 0);
      if (path === undefined || value === undefined) return Status.InvalidMemoryAccess;
      if (path === "") return Status.BadArgument;
      vm.effective.properties.set(splitPath(path).join("\0"), value);
      return Status.Ok;
    },
  };
}
