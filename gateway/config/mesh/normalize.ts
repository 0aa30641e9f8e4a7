/**
 * Protobuf-JSON style decoding of MeshConfig: snake_case names, `null` as unset, unknown and unused fields
 * reported and set aside.
 * @module
 */
import { z } from "zod";
import { type FieldPath, formatPath } from "../diagnostics.ts";
import type { Context } from "./context.ts";
import { isPlainObject, setOwn } from "./plain.ts";
import { removedFields, unusedFields } from "./proto.ts";

/**
 * Walks `value` along `schema` (messages, lists, maps): renames snake_case keys to the schema's camelCase, drops
 * `null` fields, and reports and sets aside fields the schema does not type (unused known fields: note; unknown
 * fields: warning).
 */
export function normalize(schema: z.ZodType, value: unknown, path: FieldPath, ctx: Context): unknown {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject && isPlainObject(value)) {
    const shape = s.shape as Record<string, z.ZodType>;
    const unused = unusedFields(s);
    const removed = removedFields(s);
    const out: Record<string, unknown> = {};
    const origin: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      const name = [key, camel(key)].find((n) => Object.hasOwn(shape, n) || unused.includes(n)) ??
        [key, camel(key)].find((n) => removed.includes(n));
      const fieldPath = [...path, name ?? key];
      if (name !== undefined && Object.hasOwn(origin, name)) {
        ctx.report("error", fieldPath, `field ${name} is set twice (as ${origin[name]} and ${key})`, true);
        continue;
      }
      if (name !== undefined) origin[name] = key;
      if (name !== undefined && Object.hasOwn(shape, name)) {
        if (v === null) continue; // protobuf JSON: null leaves the field unset
        out[name] = normalize(shape[name], v, fieldPath, ctx);
      } else if (name !== undefined && unused.includes(name)) {
        ctx.report("note", fieldPath, `field ${formatPath(fieldPath)} is not used by Portcullis`, true);
        setOwn(ctx.other(path), name, v);
      } else if (name !== undefined) {
        ctx.report("warning", fieldPath, `field ${name} was removed from Istio's API and is ignored`, true);
        setOwn(ctx.other(path), name, v);
      } else {
        ctx.report("warning", fieldPath, `unknown field "${key}" (Istio ignores unknown fields)`, true);
        setOwn(ctx.other(path), key, v);
      }
    }
    return out;
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((v, i) => normalize(s.element as z.ZodType, v, [...path, i], ctx));
  }
  if (s instanceof z.ZodRecord && isPlainObject(value)) {
    // A proto map: its keys are data (kept as written), its values messages like any other.
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      setOwn(out, key, normalize(s.valueType as z.ZodType, v, [...path, key], ctx));
    }
    return out;
  }
  return value;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else break;
  }
  return s;
}

/** `max_tag_length` → `maxTagLength`, as protoc derives JSON names. */
function camel(name: string): string {
  return name.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Maps a path of schema field names back to the keys as written (which may be snake_case). */
export function rawPath(raw: unknown, path: FieldPath): FieldPath {
  const out: (string | number)[] = [];
  let node = raw;
  for (const part of path) {
    if (typeof part === "string" && isPlainObject(node)) {
      const key = Object.hasOwn(node, part) ? part : Object.keys(node).find((k) => camel(k) === part) ?? part;
      out.push(key);
      node = node[key];
    } else {
      out.push(part);
      node = Array.isArray(node) && typeof part === "number" ? node[part] : undefined;
    }
  }
  return out;
}
