// The body of the current request or response (and an HTTP call's response body), as the host holds it.
import * as abi from "./imports";
import { ptr, RET_EXTRA, RET_LEN, RET_PTR, takeBytes, utf8 } from "./memory";
import { BufferType, WasmResult } from "./status";

/**
 * A body buffer. In `onRequestBody`/`onResponseBody` it holds what the filter has been given so far: the
 * chunk just arrived, plus earlier ones the filter kept by returning `Action.Pause`.
 */
export class Body {
  constructor(public readonly type: BufferType) {}

  /** Bytes held now. */
  size(): u32 {
    if (abi.proxy_get_buffer_status(<i32>this.type, RET_LEN, RET_EXTRA) != 0) return 0;
    return load<u32>(RET_LEN);
  }

  /** Bytes `[start, start + max)` (all by default); empty when there is no such buffer. */
  bytes(start: u32 = 0, max: u32 = u32.MAX_VALUE): ArrayBuffer {
    if (abi.proxy_get_buffer_bytes(<i32>this.type, start, max, RET_PTR, RET_LEN) != 0) return new ArrayBuffer(0);
    return takeBytes();
  }

  /** The body as UTF-8 text. */
  text(): string {
    return String.UTF8.decode(this.bytes());
  }

  /** Replaces the body with `text`. */
  replace(text: string): WasmResult {
    return this.replaceBytes(utf8(text));
  }

  /** Replaces the body with `data`. */
  replaceBytes(data: ArrayBuffer): WasmResult {
    return <WasmResult>abi.proxy_set_buffer_bytes(<i32>this.type, 0, u32.MAX_VALUE, ptr(data), data.byteLength);
  }

  /** Adds `text` at the end. */
  append(text: string): WasmResult {
    const data = utf8(text);
    return <WasmResult>abi.proxy_set_buffer_bytes(<i32>this.type, u32.MAX_VALUE, 0, ptr(data), data.byteLength);
  }

  /** Adds `text` at the start. */
  prepend(text: string): WasmResult {
    const data = utf8(text);
    return <WasmResult>abi.proxy_set_buffer_bytes(<i32>this.type, 0, 0, ptr(data), data.byteLength);
  }
}
