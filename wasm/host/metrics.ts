/**
 * Metrics: `proxy_define_metric`, `proxy_increment_metric`, `proxy_record_metric`, `proxy_get_metric`,
 * into the plugin's metric store.
 * @module
 */
import { MetricType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** The metric host functions of `vm`. */
export function metricFunctions(vm: WasmVm): HostFunctions {
  const store = vm.env.metrics;
  return {
    proxy_define_metric(type: number, namePtr: number, nameLen: number, idPtr: number): number {
      const name = vm.memory.string(namePtr >>> 0, nameLen >>> 0);
      if (name === undefined) return Status.InvalidMemoryAccess;
      const id = store.define(type, name);
      if (id === undefined) return Status.BadArgument;
      return vm.memory.setU32(idPtr >>> 0, id) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_increment_metric(id: number, delta: bigint): number {
      return store.increment(id >>> 0, Number(delta));
    },
    proxy_record_metric(id: number, value: bigint): number {
      return store.record(id >>> 0, Number(BigInt.asUintN(64, value)));
    },
    proxy_get_metric(id: number, valuePtr: number): number {
      const metric = store.byId(id >>> 0);
      if (!metric) return Status.NotFound;
      if (metric.type === MetricType.Histogram) return Status.BadArgument;
      return vm.memory.setU64(valuePtr >>> 0, BigInt(Math.trunc(metric.value)))
        ? Status.Ok
        : Status.InvalidMemoryAccess;
    },
  };
}
