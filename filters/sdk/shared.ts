// Shared data (a key-value store shared by every VM of the same vm_id in the gateway, with compare-and-swap)
// and shared queues (one VM registers, any VM enqueues, the registering VM's root gets onQueueReady).
import * as abi from "./imports";
import { ptr, RET_EXTRA, RET_LEN, RET_PTR, takeBytes, takeString, utf8 } from "./memory";
import { WasmResult } from "./status";

/** A stored value and the token a conditional write must name. */
export class SharedValue {
  constructor(public readonly bytes: ArrayBuffer, public readonly cas: u32) {}

  /** The value as UTF-8 text. */
  text(): string {
    return String.UTF8.decode(this.bytes);
  }
}

/** The shared key-value store. */
export class SharedData {
  /** The value of `key` with its CAS token, or null when absent. */
  static get(key: string): SharedValue | null {
    const k = utf8(key);
    if (abi.proxy_get_shared_data(ptr(k), k.byteLength, RET_PTR, RET_LEN, RET_EXTRA) != 0) return null;
    const cas = load<u32>(RET_EXTRA);
    return new SharedValue(takeBytes(), cas);
  }

  /**
   * Stores `value` under `key`. With `cas` 0 the write is unconditional; otherwise it fails with
   * `WasmResult.CasMismatch` when someone wrote since the read that gave `cas` (read again and retry).
   */
  static set(key: string, value: string, cas: u32 = 0): WasmResult {
    return SharedData.setBytes(key, utf8(value), cas);
  }

  /** {@link set} with raw bytes. */
  static setBytes(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResult {
    const k = utf8(key);
    return <WasmResult>abi.proxy_set_shared_data(ptr(k), k.byteLength, ptr(value), value.byteLength, cas);
  }
}

/** Shared queues, by id. */
export class SharedQueue {
  /** Registers queue `name` of this VM (its root context gets `onQueueReady`); returns its id, 0 on failure. */
  static register(name: string): u32 {
    const n = utf8(name);
    if (abi.proxy_register_shared_queue(ptr(n), n.byteLength, RET_EXTRA) != 0) return 0;
    return load<u32>(RET_EXTRA);
  }

  /** The id of queue `name` registered by a VM of `vmId`, or 0 when there is none. */
  static resolve(vmId: string, name: string): u32 {
    const v = utf8(vmId);
    const n = utf8(name);
    if (abi.proxy_resolve_shared_queue(ptr(v), v.byteLength, ptr(n), n.byteLength, RET_EXTRA) != 0) return 0;
    return load<u32>(RET_EXTRA);
  }

  /** Puts `value` on queue `id`. */
  static enqueue(id: u32, value: string): WasmResult {
    const v = utf8(value);
    return <WasmResult>abi.proxy_enqueue_shared_queue(id, ptr(v), v.byteLength);
  }

  /** The next item of queue `id`, or null when it is empty (or unknown). */
  static dequeue(id: u32): string | null {
    if (abi.proxy_dequeue_shared_queue(id, RET_PTR, RET_LEN) != 0) return null;
    return takeString();
  }
}
