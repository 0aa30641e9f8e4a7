// What every test filter exports besides its callbacks: the allocator the host uses for results, the ABI
// marker, and the abort handler (wired with `--use abort=lib/runtime/abortHandler`).
import { proc_exit, proxy_log } from "./imports";

/** How many times the host asked the filter for memory (the empty-result tests look at it). */
export let allocations: u32 = 0;

export function proxy_on_memory_allocate(size: usize): usize {
  allocations++;
  return heap.alloc(size);
}

export function proxy_abi_version_0_2_1(): void {}

export function abortHandler(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  if (message !== null) {
    const text = String.UTF8.encode("abort: " + message);
    proxy_log(5, changetype<usize>(text), text.byteLength);
  }
  proc_exit(255);
  unreachable();
}
