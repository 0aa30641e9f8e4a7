// Memory shared with the host: the allocator it lowers values with (`cabi_realloc`), reading what it
// returned (then freeing it), and keeping the buffers of a returned value alive until `cabi_post_*`.

/** The canonical ABI allocator: the host allocates strings and lists it passes in with it. */
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

/** A scratch return area for host calls (the largest result is 16 bytes). */
export const RET: usize = memory.data(16, 8);

/** The return area of the exports (the largest result is 32 bytes). */
export const OUT: usize = memory.data(32, 8);

/** Buffers referenced by the value an export returned, kept until the host has read it. */
let pinned: Array<ArrayBuffer> = new Array<ArrayBuffer>();

/** Keeps `buffer` alive until the host's post-return call; returns its address. */
export function pin(buffer: ArrayBuffer): usize {
  pinned.push(buffer);
  return changetype<usize>(buffer);
}

/** Releases what the last export result referenced (the host copied it before this call). */
export function unpinAll(): void {
  if (pinned.length > 0) pinned = new Array<ArrayBuffer>();
}

/** The address of `buffer`'s bytes. */
export function ptr(buffer: ArrayBuffer): usize {
  return changetype<usize>(buffer);
}

/** `s` as UTF-8. */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** The host-allocated string at (`at`, `len`), freed. */
export function takeString(at: usize, len: usize): string {
  const s = String.UTF8.decodeUnsafe(at, len);
  heap.free(at);
  return s;
}

/** The host-allocated bytes at (`at`, `len`), copied into a managed buffer and freed. */
export function takeBytes(at: usize, len: usize): ArrayBuffer {
  const out = new ArrayBuffer(<i32>len);
  memory.copy(changetype<usize>(out), at, len);
  heap.free(at);
  return out;
}
