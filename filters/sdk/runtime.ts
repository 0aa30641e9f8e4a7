// The abort handler every filter is built with (`--use abort=…/runtime/abortHandler`).
import { proc_exit, proxy_log } from "./imports";
import { ptr, utf8 } from "./memory";

/** An `abort` (a failed assertion, a bad cast, an index out of range): logged at critical, then the VM ends. */
export function abortHandler(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  const where = fileName === null ? "" : " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const text = utf8("abort: " + (message === null ? "" : message) + where);
  proxy_log(5, ptr(text), text.byteLength);
  proc_exit(255);
  unreachable();
}
