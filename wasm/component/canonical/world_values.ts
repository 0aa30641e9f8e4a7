/**
 * The canonical ABI layouts of the `portcullis:filter` world's types (wasm32), lifted from and lowered into
 * guest memory by hand, for the few types the world uses:
 *
 * | type | size / align | layout |
 * | --- | --- | --- |
 * | `string`, `list<T>` | 8 / 4 | pointer u32, length u32 (elements for lists) |
 * | `tuple<string, string>` | 16 / 4 | two strings |
 * | `local-reply` | 28 / 4 | status u16 @0, headers @4, body @12, details @20 |
 * | `headers-action` | 32 / 4 | discriminant u8 @0 (continue, reply), payload @4 |
 * | `body-action` | 32 / 4 | discriminant u8 @0 (continue, replace, buffer, reply), payload @4 |
 * | `result<_, string>` | 12 / 4 | discriminant u8 @0 (ok, err), error @4 |
 * | `option<T>` | 4 + T / 4 | discriminant u8 @0 (none, some), value @4 |
 * | `entry` | 12 / 4 | value `list<u8>` @0, cas u32 @8 |
 * @module
 */
import type {
  BodyAction,
  HeadersAction,
  LocalReply,
} from "../wit_types/interfaces/portcullis-filter-types.d.ts";
import type { Entry } from "../wit_types/interfaces/portcullis-filter-shared-data.d.ts";
import { CanonicalAbiError, type GuestMemory } from "./guest_memory.ts";

/** The `continue` case of both actions (one frozen value, no allocation per call). */
export const CONTINUE_ACTION: { readonly tag: "continue" } = Object.freeze({ tag: "continue" });
/** The `buffer` case of `body-action`. */
export const BUFFER_ACTION: { readonly tag: "buffer" } = Object.freeze({ tag: "buffer" });

function discriminant(mem: GuestMemory, ptr: number, cases: number, type: string): number {
  const d = mem.u8(ptr);
  if (d >= cases) throw new CanonicalAbiError(`${type}: discriminant ${d} is out of range`);
  return d;
}

/** The `local-reply` record of flat values (status, headers, body, details as pointer/length pairs). */
export function liftLocalReplyFlat(
  mem: GuestMemory,
  status: number,
  headersPtr: number,
  headersLen: number,
  bodyPtr: number,
  bodyLen: number,
  detailsPtr: number,
  detailsLen: number,
): LocalReply {
  const fields = mem.stringPairs(headersPtr, headersLen);
  const headers: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) headers.push([fields[i], fields[i + 1]]);
  return {
    status: status & 0xffff,
    headers,
    body: mem.bytesAt(bodyPtr, bodyLen),
    details: mem.string(detailsPtr, detailsLen),
  };
}

/** The `local-reply` record stored at `ptr`. */
export function liftLocalReply(mem: GuestMemory, ptr: number): LocalReply {
  mem.check(ptr, 28, 4);
  return liftLocalReplyFlat(
    mem,
    mem.u16(ptr),
    mem.u32(ptr + 4),
    mem.u32(ptr + 8),
    mem.u32(ptr + 12),
    mem.u32(ptr + 16),
    mem.u32(ptr + 20),
    mem.u32(ptr + 24),
  );
}

/** The `headers-action` stored at `ptr` (an export's return area). */
export function liftHeadersAction(mem: GuestMemory, ptr: number): HeadersAction {
  ptr >>>= 0;
  mem.check(ptr, 32, 4);
  if (discriminant(mem, ptr, 2, "headers-action") === 0) return CONTINUE_ACTION;
  return { tag: "reply", val: liftLocalReply(mem, ptr + 4) };
}

/** The `body-action` stored at `ptr`. */
export function liftBodyAction(mem: GuestMemory, ptr: number): BodyAction {
  ptr >>>= 0;
  mem.check(ptr, 32, 4);
  switch (discriminant(mem, ptr, 4, "body-action")) {
    case 0:
      return CONTINUE_ACTION;
    case 1:
      return { tag: "replace", val: mem.bytesAt(mem.u32(ptr + 4), mem.u32(ptr + 8)) };
    case 2:
      return BUFFER_ACTION;
    default:
      return { tag: "reply", val: liftLocalReply(mem, ptr + 4) };
  }
}

/** The error of the `result<_, string>` stored at `ptr`, or undefined for `ok`. */
export function liftUnitResult(mem: GuestMemory, ptr: number): string | undefined {
  ptr >>>= 0;
  mem.check(ptr, 12, 4);
  if (discriminant(mem, ptr, 2, "result") === 0) return undefined;
  return mem.string(mem.u32(ptr + 4), mem.u32(ptr + 8));
}

/** Stores `option<string>` `value` at `ret`. */
export function storeOptionString(mem: GuestMemory, ret: number, value: string | undefined): void {
  ret >>>= 0;
  mem.check(ret, 12, 4);
  if (value === undefined) return mem.setU8(ret, 0);
  mem.storeString(ret + 4, value);
  mem.setU8(ret, 1);
}

/** Stores `option<u32>` `value` at `ret`. */
export function storeOptionU32(mem: GuestMemory, ret: number, value: number | undefined): void {
  ret >>>= 0;
  mem.check(ret, 8, 4);
  if (value === undefined) return mem.setU8(ret, 0);
  mem.setU32(ret + 4, value);
  mem.setU8(ret, 1);
}

/** Stores `option<list<u8>>` `value` at `ret`. */
export function storeOptionBytes(mem: GuestMemory, ret: number, value: Uint8Array | undefined): void {
  ret >>>= 0;
  mem.check(ret, 12, 4);
  if (value === undefined) return mem.setU8(ret, 0);
  mem.storeBytes(ret + 4, value);
  mem.setU8(ret, 1);
}

/** Stores `option<entry>` `value` at `ret`. */
export function storeOptionEntry(mem: GuestMemory, ret: number, value: Entry | undefined): void {
  ret >>>= 0;
  mem.check(ret, 16, 4);
  if (value === undefined) return mem.setU8(ret, 0);
  mem.storeBytes(ret + 4, value.value);
  mem.setU32(ret + 12, value.cas);
  mem.setU8(ret, 1);
}

/** Stores `list<tuple<string, string>>` of `[name, value, …]` `fields` at `ret`. */
export function storeStringPairList(mem: GuestMemory, ret: number, fields: readonly string[]): void {
  ret >>>= 0;
  mem.check(ret, 8, 4);
  mem.storeStringPairs(ret, fields);
}
