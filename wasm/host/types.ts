/**
 * The shape of a group of host functions as they are handed to `WebAssembly.Instance`.
 * @module
 */

/** A host function: numbers (and bigints for i64 parameters) in, a status (or nothing) out. */
export type HostFunction = (...args: never[]) => number | void;

/** Host functions by import name. */
export type HostFunctions = Record<string, HostFunction>;
