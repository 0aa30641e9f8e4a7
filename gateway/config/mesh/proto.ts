/**
 * Protobuf-JSON schema building blocks for MeshConfig: messages that register the names of the fields
 * Portcullis does not type (so that they get a note instead of an "unknown field" warning), enums by name or
 * number, and the scalar types.
 * @module
 */
import { z } from "zod";
import { uint32 } from "../schema/common.ts";

const UNUSED = new WeakMap<z.ZodType, readonly string[]>();
const REMOVED = new WeakMap<z.ZodType, readonly string[]>();

/**
 * A protobuf message: `shape` holds the fields Portcullis uses, `unused` names the other known fields and
 * `removed` the reserved ones.
 */
export function message<S extends z.ZodRawShape>(
  shape: S,
  unused: readonly string[] = [],
  removed: readonly string[] = [],
): z.ZodObject<S> {
  const schema = z.object(shape);
  UNUSED.set(schema, unused);
  REMOVED.set(schema, removed);
  return schema;
}

/** The known fields of a {@link message} that Portcullis does not use. */
export function unusedFields(schema: z.ZodType): readonly string[] {
  return UNUSED.get(schema) ?? [];
}

/** The fields removed from a {@link message} (`reserved` names in the proto). */
export function removedFields(schema: z.ZodType): readonly string[] {
  return REMOVED.get(schema) ?? [];
}

/** A protobuf enum: its names, or its numbers as protobuf JSON also accepts. */
export function protoEnum<const T extends string>(values: Readonly<Record<T, number>>) {
  const names = Object.keys(values) as [T, ...T[]];
  const byNumber = new Map<number, T>(names.map((n) => [values[n], n]));
  return z.preprocess(
    (v) => (typeof v === "number" && byNumber.has(v) ? byNumber.get(v) : v),
    z.enum(names),
  );
}

/** A proto `uint32`: protobuf JSON takes the number or its decimal string (`port: "8000"`). */
export const protoUint32 = z.preprocess(
  (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
  uint32,
);
/** A proto `string`. */
export const str = z.string();
/** A proto `bool`. */
export const bool = z.boolean();
/** A `repeated string`. */
export const strList = z.array(z.string());
/** A `google.protobuf.Struct` (or a message Portcullis keeps untyped). */
export const record = z.record(z.string(), z.unknown());
/** A proto `double`. */
export const double = z.number().refine((n) => Number.isFinite(n), { message: "must be a finite number" });
