/**
 * `proxy_call_foreign_function`: host functions by name. `clear_route_cache` is built in (as in Envoy);
 * the plugin's options add more. Unknown names are NOT_FOUND.
 * @module
 */
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

const EMPTY = new Uint8Array(0);

/** The foreign function host function of `vm`. */
export function foreignFunctions(vm: WasmVm): HostFunctions {
  const builtIn: Record<string, (args: Uint8Array) => Uint8Array> = {
    clear_route_cache: () => {
      vm.effective.clearRouteCache();
      return EMPTY;
    },
  };
  return {
    proxy_call_foreign_function(
      namePtr: number,
      nameLen: number,
      argsPtr: number,
      argsLen: number,
      resultPtrPtr: number,
      resultLenPtr: number,
    ): number {
      const name = vm.memory.string(namePtr >>> 0, nameLen >>> 0);
      const args = vm.memory.copy(argsPtr >>> 0, argsLen >>> 0);
      if (name === undefined || args === undefined) return Status.InvalidMemoryAccess;
      const fn = Object.hasOwn(vm.env.foreignFunctions, name)
        ? vm.env.foreignFunctions[name]
        : Object.hasOwn(builtIn, name)
        ? builtIn[name]
        : undefined;
      if (!fn) return Status.NotFound;
      let result: Uint8Array;
      try {
        result = fn(args);
      } catch {
        return Status.InternalFailure;
      }
      return vm.memory.returnBytes(result, resultPtrPtr >>> 0, resultLenPtr >>> 0);
    },
  };
}
