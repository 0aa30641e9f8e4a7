/**
 * What Portcullis knows about one Istio kind: its API group and versions, its spec schema and its semantic
 * rules (the checks istiod's validating webhook makes beyond the schema).
 * @module
 */
import type { z } from "zod";
import type { FieldPath, Severity } from "./diagnostics.ts";
import type { ResourceMeta } from "./resource.ts";

/** Handed to a kind's semantic rules: reports findings against a field path of the resource's spec. */
export interface RuleContext {
  readonly meta: ResourceMeta;
  /** Reports a problem at `path`, relative to `spec`. */
  report(path: FieldPath, message: string, severity?: Severity): void;
}

/** The definition of one kind. */
export interface KindDefinition<Spec = unknown> {
  readonly kind: string;
  readonly group: string;
  /** Every version Istio serves for the kind, e.g. `["v1", "v1beta1", "v1alpha3"]`. */
  readonly versions: readonly string[];
  /** Structural schema of `spec`: fields, types, enums, required fields, the CRD's CEL rules. */
  readonly schema: z.ZodType<Spec>;
  /** Whether a resource without `spec` is rejected (`spec: Required value`). */
  readonly specRequired: boolean;
  /** The webhook's semantic rules, run only when the schema accepted the spec. */
  readonly rules?: (spec: Spec, ctx: RuleContext) => void;
}

/** Declares a kind with its spec type inferred from the schema. */
export function defineKind<S extends z.ZodType>(
  def: Omit<KindDefinition<z.output<S>>, "schema"> & { schema: S },
): KindDefinition<z.output<S>> {
  return def as KindDefinition<z.output<S>>;
}
