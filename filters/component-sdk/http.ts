// The current stream's headers and local replies (interface `http`), with typed values.
import * as abi from "./imports";
import { pin, ptr, RET, takeBytes, takeString, utf8 } from "./memory";

/** Which message of the current stream. */
export enum Direction {
  Request = 0,
  Response = 1,
}

/** A header field. */
export class Header {
  constructor(public name: string, public value: string) {}
}

/** A response the gateway sends instead of going on. */
export class LocalReply {
  /** Extra response headers. */
  headers: Array<Header> = new Array<Header>();
  /** The body (may be empty). */
  body: ArrayBuffer = new ArrayBuffer(0);
  /** Response code details; empty: `wasm_local_reply`. */
  details: string = "";

  constructor(public status: u16) {}

  /** Sets the body to `text` (UTF-8). */
  withText(text: string): LocalReply {
    this.body = utf8(text);
    return this;
  }

  /** Adds a header. */
  withHeader(name: string, value: string): LocalReply {
    this.headers.push(new Header(name, value));
    return this;
  }

  /** Writes the record's flat fields at `at` (status, headers, body, details: 28 bytes), pinning its buffers. */
  lowerInto(at: usize): void {
    store<u16>(at, this.status);
    const n = this.headers.length;
    const list = new ArrayBuffer(n * 16);
    const base = pin(list);
    for (let i = 0; i < n; i++) {
      const name = utf8(this.headers[i].name);
      const value = utf8(this.headers[i].value);
      store<u32>(base + i * 16, <u32>pin(name));
      store<u32>(base + i * 16 + 4, name.byteLength);
      store<u32>(base + i * 16 + 8, <u32>pin(value));
      store<u32>(base + i * 16 + 12, value.byteLength);
    }
    store<u32>(at + 4, <u32>base);
    store<u32>(at + 8, n);
    store<u32>(at + 12, <u32>pin(this.body));
    store<u32>(at + 16, this.body.byteLength);
    const details = utf8(this.details);
    store<u32>(at + 20, <u32>pin(details));
    store<u32>(at + 24, details.byteLength);
  }
}

/** The first value of header `name`, or null. */
export function getHeader(which: Direction, name: string): string | null {
  const n = utf8(name);
  abi.get_header(which, ptr(n), n.byteLength, RET);
  if (load<u8>(RET) == 0) return null;
  return takeString(load<u32>(RET + 4), load<u32>(RET + 8));
}

/** {@link getHeader} with the name already UTF-8, giving the value's UTF-8 bytes (no decoding). */
export function getHeaderBytes(which: Direction, name: ArrayBuffer): ArrayBuffer | null {
  abi.get_header(which, ptr(name), name.byteLength, RET);
  if (load<u8>(RET) == 0) return null;
  return takeBytes(load<u32>(RET + 4), load<u32>(RET + 8));
}

/** Every field, in order. */
export function getHeaders(which: Direction): Array<Header> {
  abi.get_headers(which, RET);
  const base = <usize>load<u32>(RET);
  const n = <i32>load<u32>(RET + 4);
  const out = new Array<Header>(n);
  for (let i = 0; i < n; i++) {
    const e = base + <usize>i * 16;
    out[i] = new Header(takeString(load<u32>(e), load<u32>(e + 4)), takeString(load<u32>(e + 8), load<u32>(e + 12)));
  }
  heap.free(base);
  return out;
}

/** Replaces every field named `name` with one holding `value`. */
export function setHeader(which: Direction, name: string, value: string): void {
  const n = utf8(name);
  const v = utf8(value);
  abi.set_header(which, ptr(n), n.byteLength, ptr(v), v.byteLength);
}

/** {@link setHeader} with names and values already UTF-8 (no encoding per call). */
export function setHeaderBytes(which: Direction, name: ArrayBuffer, value: ArrayBuffer): void {
  abi.set_header(which, ptr(name), name.byteLength, ptr(value), value.byteLength);
}

/** Adds a field after any of the same name. */
export function addHeader(which: Direction, name: string, value: string): void {
  const n = utf8(name);
  const v = utf8(value);
  abi.add_header(which, ptr(n), n.byteLength, ptr(v), v.byteLength);
}

/** {@link addHeader} with names and values already UTF-8. */
export function addHeaderBytes(which: Direction, name: ArrayBuffer, value: ArrayBuffer): void {
  abi.add_header(which, ptr(name), name.byteLength, ptr(value), value.byteLength);
}

/** Removes every field named `name`. */
export function removeHeader(which: Direction, name: string): void {
  const n = utf8(name);
  abi.remove_header(which, ptr(n), n.byteLength);
}

/** {@link removeHeader} with the name already UTF-8. */
export function removeHeaderBytes(which: Direction, name: ArrayBuffer): void {
  abi.remove_header(which, ptr(name), name.byteLength);
}

/** Ends the stream with `reply` once the current hook returns, whatever it returns. */
export function sendReply(reply: LocalReply): void {
  const area = new ArrayBuffer(28);
  const at = ptr(area);
  reply.lowerInto(at);
  abi.send_reply(
    load<u16>(at),
    load<u32>(at + 4),
    load<u32>(at + 8),
    load<u32>(at + 12),
    load<u32>(at + 16),
    load<u32>(at + 20),
    load<u32>(at + 24),
  );
}
