/**
 * Shared data (`proxy_get_shared_data`, `proxy_set_shared_data`) and shared queues (`proxy_register_…`,
 * `proxy_resolve_…`, `proxy_enqueue_…`, `proxy_dequeue_shared_queue`), keyed by the plugin's `vm_id`.
 * @module
 */
import { Status } from "../abi/status.ts";
import type { WasmVm } from "../runtime/vm.ts";
import type { HostFunctions } from "./types.ts";

/** The shared data and queue host functions of `vm`. */
export function sharedStateFunctions(vm: WasmVm): HostFunctions {
  const data = vm.env.sharedData;
  const queues = vm.env.sharedQueues;
  const vmId = vm.env.vmId;
  return {
    proxy_get_shared_data(
      keyPtr: number,
      keyLen: number,
      valuePtrPtr: number,
      valueLenPtr: number,
      casPtr: number,
    ): number {
      const key = vm.memory.string(keyPtr >>> 0, keyLen >>> 0);
      if (key === undefined) return Status.InvalidMemoryAccess;
      const entry = data.get(vmId, key);
      if (!entry) return Status.NotFound;
      if (!vm.memory.setU32(casPtr >>> 0, entry.cas)) return Status.InvalidMemoryAccess;
      return vm.memory.returnBytes(entry.value, valuePtrPtr >>> 0, valueLenPtr >>> 0);
    },
    proxy_set_shared_data(
      keyPtr: number,
      keyLen: number,
      valuePtr: number,
      valueLen: number,
      cas: number,
    ): number {
      const key = vm.memory.string(keyPtr >>> 0, keyLen >>> 0);
      const value = vm.memory.copy(valuePtr >>> 0, valueLen >>> 0);
      if (key === undefined || value === undefined) return Status.InvalidMemoryAccess;
      return data.set(vmId, key, value, cas >>> 0);
    },
    proxy_register_shared_queue(namePtr: number, nameLen: number, idPtr: number): number {
      const name = vm.memory.string(namePtr >>> 0, nameLen >>> 0);
      if (name === undefined || !vm.memory.inBounds(idPtr >>> 0, 4)) return Status.InvalidMemoryAccess;
      vm.memory.setU32(idPtr >>> 0, queues.register(vmId, name, vm));
      return Status.Ok;
    },
    proxy_resolve_shared_queue(
      vmIdPtr: number,
      vmIdLen: number,
      namePtr: number,
      nameLen: number,
      idPtr: number,
    ): number {
      const otherVm = vm.memory.string(vmIdPtr >>> 0, vmIdLen >>> 0);
      const name = vm.memory.string(namePtr >>> 0, nameLen >>> 0);
      if (otherVm === undefined || name === undefined) return Status.InvalidMemoryAccess;
      const id = queues.resolve(otherVm, name);
      if (id === undefined) return Status.NotFound;
      return vm.memory.setU32(idPtr >>> 0, id) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_enqueue_shared_queue(id: number, valuePtr: number, valueLen: number): number {
      const value = vm.memory.copy(valuePtr >>> 0, valueLen >>> 0);
      if (value === undefined) return Status.InvalidMemoryAccess;
      return queues.enqueue(id >>> 0, value);
    },
    proxy_dequeue_shared_queue(id: number, valuePtrPtr: number, valueLenPtr: number): number {
      const item = queues.dequeue(id >>> 0);
      if (typeof item === "number") return item;
      return vm.memory.returnBytes(item, valuePtrPtr >>> 0, valueLenPtr >>> 0);
    },
  };
}
