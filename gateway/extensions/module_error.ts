/**
 * The error of a WasmPlugin module that could not be had: Istio's agent then puts a deny-all (FAIL_CLOSE) or
 * allow-all (FAIL_OPEN) filter in the plugin's place.
 * @module
 */

/** Why a module could not be had (the plugin's `lastError`). */
export class ModuleFetchError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "ModuleFetchError";
  }
}
