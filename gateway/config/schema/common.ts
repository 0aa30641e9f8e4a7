/**
 * Building blocks shared by the Istio resource schemas: protobuf scalar ranges, durations, string matches,
 * selectors and the like, written with zod so that the TypeScript type of every spec follows from its schema.
 * @module
 */
import { z } from "zod";
import { parseDuration } from "../duration.ts";

/** An unsigned 32-bit protobuf integer. */
export const uint32 = z.number().int("must be an integer").min(0, "must be >= 0").max(4294967295);

/** A signed 32-bit protobuf integer. */
export const int32 = z.number().int("must be an integer").min(-2147483648).max(2147483647);

/** A `google.protobuf.Duration` as Kubernetes accepts it: a Go duration string such as `1.5s`, `3m` or `100ms`. */
export const duration = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: "must be a valid duration, e.g. 1s, 500ms or 1m30s",
});

/** A `google.protobuf.Duration` that must be at least 1ms, as Istio's CEL rules require for most timeouts. */
export const positiveDuration = duration.refine((s) => (parseDuration(s) ?? 0) >= 1, {
  message: "must be a valid duration greater than 1ms",
});

/** A `google.protobuf.Struct`: any JSON object. */
export const struct = z.record(z.string(), z.unknown());

/** A map of string to string (labels, headers). */
export const stringMap = z.record(z.string(), z.string());

/** `istio.networking.v1alpha3.StringMatch`: at most one of exact, prefix or regex. */
export const stringMatch = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
}).refine((m) => [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length <= 1, {
  message: "only one of exact, prefix or regex may be set",
});

/** A parsed StringMatch. */
export type StringMatch = z.output<typeof stringMatch>;

/** `istio.type.v1beta1.WorkloadSelector`. */
export const workloadSelector = z.strictObject({
  matchLabels: stringMap.optional(),
});

/** A percentage `{ value: double }` as used by fault injection and mirroring. */
export const percent = z.strictObject({ value: z.number().optional() });

/** `exportTo` values: `*`, `.`, `~` or namespace names. */
export const exportTo = z.array(z.string());
