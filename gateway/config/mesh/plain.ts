/**
 * Small helpers for plain YAML/JSON data: maps, own properties and paths.
 * @module
 */
import type { FieldPath } from "../diagnostics.ts";

/** True for a map (not null, an array or a Date). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/** Sets an own property, even one named `__proto__`. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value at `path` under `root`, or undefined where the path leaves the data. */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const part of path) {
    if (isPlainObject(node) && typeof part === "string") node = node[part];
    else if (Array.isArray(node) && typeof part === "number") node = node[part];
    else return undefined;
  }
  return node;
}
