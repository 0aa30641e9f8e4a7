/**
 * Shared data: a key-value store shared by every VM with the same `vm_id` in the process (the rate-limit
 * building block). Each write gets a new compare-and-swap token; a write that names a token other than the
 * current one fails with `CAS_MISMATCH`, token 0 writes unconditionally.
 * @module
 */
import { Status } from "../abi/status.ts";

/** A stored value with its compare-and-swap token. */
export interface SharedValue {
  /** The bytes stored. */
  readonly value: Uint8Array;
  /** The token a conditional write must name. */
  readonly cas: number;
}

/** Key-value maps per `vm_id`. */
export class SharedData {
  readonly #byVm = new Map<string, Map<string, SharedValue>>();
  #nextCas = 1;

  /** The value of `key` for `vmId`, or undefined. */
  get(vmId: string, key: string): SharedValue | undefined {
    return this.#byVm.get(vmId)?.get(key);
  }

  /**
   * Stores `value` (the caller's copy is kept) under `key` when `cas` is 0 or the entry's token; a key not
   * there yet is stored whatever `cas` says.
   */
  set(vmId: string, key: string, value: Uint8Array, cas: number): Status {
    let map = this.#byVm.get(vmId);
    if (!map) this.#byVm.set(vmId, map = new Map());
    const current = map.get(key);
    if (current && cas !== 0 && cas !== current.cas) return Status.CasMismatch;
    map.set(key, { value, cas: this.#takeCas() });
    return Status.Ok;
  }

  /** The keys stored for `vmId` (for inspection). */
  keys(vmId: string): string[] {
    return [...this.#byVm.get(vmId)?.keys() ?? []];
  }

  #takeCas(): number {
    const cas = this.#nextCas;
    this.#nextCas = cas === 0xffffffff ? 1 : cas + 1;
    return cas;
  }
}

/** The process-wide store, used by plugins that are given none. */
export const processSharedData: SharedData = new SharedData();
