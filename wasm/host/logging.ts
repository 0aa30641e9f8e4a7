/**
 * `proxy_log` and `proxy_get_log_level`: messages below the plugin's level are dropped before decoding.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** The logging host functions of `vm`. */
export function loggingFunctions(vm: WasmVm): HostFunctions {
  return {
    proxy_log(level: number, ptr: number, len: number): number {
      if (level < LogLevel.Trace || level > LogLevel.Critical) return Status.BadArgument;
      if (level < vm.env.logLevel) return Status.Ok;
      const message = vm.memory.string(ptr >>> 0, len >>> 0);
      if (message === undefined) return Status.InvalidMemoryAccess;
      vm.log(level, message);
      return Status.Ok;
    },
    proxy_get_log_level(levelPtr: number): number {
      return vm.memory.setU32(levelPtr >>> 0, vm.env.logLevel) ? Status.Ok : Status.InvalidMemoryAccess;
    },
  };
}
