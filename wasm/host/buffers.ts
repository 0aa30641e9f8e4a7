/**
 * Buffers: request and response bodies (0, 1; writable), the HTTP-call response body (4), the VM and
 * plugin configuration (6, 7), and 0.1.0's `proxy_get_configuration`. Network (2, 3), gRPC (5) and foreign
 * call (8) buffers never exist here (no TCP filters, no gRPC calls) and are NOT_FOUND.
 * @module
 */
import { BufferType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** The buffer host functions of `vm`. */
export function bufferFunctions(vm: WasmVm): HostFunctions {
  const buffer = (type: number): Uint8Array | undefined => {
    switch (type) {
      case BufferType.HttpRequestBody:
      case BufferType.HttpResponseBody:
        return vm.effective.body(type);
      case BufferType.HttpCallResponseBody:
        return vm.callResponse?.body;
      case BufferType.VmConfiguration:
        return vm.env.vmConfig;
      case BufferType.PluginConfiguration:
        return vm.env.pluginConfig;
      default:
        return undefined;
    }
  };

  return {
    proxy_get_buffer_bytes(type: number, start: number, max: number, ptrPtr: number, lenPtr: number): number {
      const data = buffer(type);
      if (!data) return Status.NotFound;
      const from = start >>> 0;
      if (from > data.length) return Status.BadArgument;
      const to = Math.min(data.length, from + (max >>> 0));
      return vm.memory.returnBytes(data.subarray(from, to), ptrPtr >>> 0, lenPtr >>> 0);
    },
    proxy_set_buffer_bytes(type: number, start: number, size: number, ptr: number, len: number): number {
      if (type !== BufferType.HttpRequestBody && type !== BufferType.HttpResponseBody) {
        return buffer(type) ? Status.BadArgument : Status.NotFound;
      }
      const data = vm.memory.copy(ptr >>> 0, len >>> 0);
      if (!data) return Status.InvalidMemoryAccess;
      return vm.effective.setBody(type, start >>> 0, size >>> 0, data);
    },
    proxy_get_buffer_status(type: number, lenPtr: number, flagsPtr: number): number {
      const data = buffer(type);
      if (!data) return Status.NotFound;
      const ended = (type === BufferType.HttpRequestBody || type === BufferType.HttpResponseBody) &&
        vm.effective.bodyEnded(type);
      return vm.memory.setU32(lenPtr >>> 0, data.length) && vm.memory.setU32(flagsPtr >>> 0, ended ? 1 : 0)
        ? Status.Ok
        : Status.InvalidMemoryAccess;
    },
    proxy_get_configuration(ptrPtr: number, lenPtr: number): number {
      const data = vm.inVmStart ? vm.env.vmConfig : vm.env.pluginConfig;
      return vm.memory.returnBytes(data, ptrPtr >>> 0, lenPtr >>> 0);
    },
  };
}
