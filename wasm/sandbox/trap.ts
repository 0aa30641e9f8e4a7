/**
 * Why a VM call ended in an exception, in words for the log and `Plugin.lastError`.
 * @module
 */

/** Thrown by WASI `proc_exit`: the module asked to end. */
export class ProcExit extends Error {
  /** The exit code. */
  readonly code: number;

  /** The exit with `code`. */
  constructor(code: number) {
    super(`proc_exit(${code})`);
    this.name = "ProcExit";
    this.code = code;
  }
}

/** A short description of `error`, thrown out of a VM call; `fuelLeft` is the fuel counter after it. */
export function describeTrap(error: unknown, fuelLeft: number | undefined, budget: number): string {
  if (fuelLeft !== undefined && fuelLeft < 0) return `fuel budget of ${budget} exhausted (runaway loop?)`;
  if (error instanceof ProcExit) return `the module called ${error.message}`;
  if (error instanceof WebAssembly.RuntimeError) return `trap: ${error.message}`;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return `trap: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
