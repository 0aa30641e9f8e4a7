// The abort handler component filters are built with (`--use abort=…/runtime/abortHandler`): the message is
// logged at critical level, then the filter traps (the host fails the VM and recreates it).
import { log_write } from "./imports";

export function abortHandler(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  const where = fileName === null ? "" : " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const text = String.UTF8.encode("abort: " + (message === null ? "" : message) + where);
  log_write(5, changetype<usize>(text), text.byteLength);
  unreachable();
}
