/**
 * Context and time: `proxy_set_effective_context`, `proxy_done`, `proxy_get_current_time_nanoseconds`,
 * `proxy_set_tick_period_milliseconds`.
 * @module
 */
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** The context and time host functions of `vm`. */
export function contextFunctions(vm: WasmVm): HostFunctions {
  return {
    proxy_set_effective_context(id: number): number {
      const ctx = id === vm.root.id ? vm.root : vm.streams.get(id >>> 0);
      if (!ctx) return Status.BadArgument;
      vm.effective = ctx;
      return Status.Ok;
    },
    proxy_done(): number {
      return vm.done(vm.effective);
    },
    proxy_get_current_time_nanoseconds(ptr: number): number {
      return vm.memory.setU64(ptr >>> 0, vm.env.clock.now()) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_set_tick_period_milliseconds(ms: number): number {
      vm.setTickPeriod(ms >>> 0);
      return Status.Ok;
    },
  };
}
