/**
 * Schema pieces and webhook checks shared by the policy kinds (AuthorizationPolicy, RequestAuthentication,
 * PeerAuthentication, Telemetry, WasmPlugin, TrafficExtension): the CRDs' OpenAPI constraints worded as the API
 * server words them, `istio.type.v1beta1` selectors and target references with their CEL rules, and istiod's
 * `validateOneOfSelectorType`, `validateWorkloadSelector`, `validatePolicyTargetReference` and dry-run checks.
 * @module
 */
import { z } from "zod";
import type { FieldPath } from "../diagnostics.ts";
import { parseGoBool } from "../go_bool.ts";
import type { RuleContext } from "../kind.ts";

/** A string of at least one character (`minLength: 1`). */
export function nonEmpty(): z.ZodString {
  return z.string().min(1, "should be at least 1 chars long");
}

/** A string with `minLength: 1` and `maxLength: max`. */
export function boundedName(max: number): z.ZodString {
  return nonEmpty().max(max, `Too long: may not be more than ${max} bytes`);
}

/** A string matching an OpenAPI `pattern`. */
export function patterned(pattern: string, base: z.ZodString = z.string()): z.ZodString {
  return base.regex(new RegExp(pattern), `should match '${pattern}'`);
}

/** An array with `maxItems: max`. */
export function maxItems<T extends z.ZodType>(item: T, max: number) {
  return z.array(item).max(max, `Too many: must have at most ${max} items`);
}

/** An integer with OpenAPI `minimum`/`maximum`. */
export function boundedInt(min: number, max: number): z.ZodNumber {
  return z.number().int("must be of type integer").min(min, `should be greater than or equal to ${min}`)
    .max(max, `should be less than or equal to ${max}`);
}

/** A nullable protobuf wrapper (`google.protobuf.BoolValue`): `true`, `false` or `null`. */
export const nullableBool = z.boolean().nullable().optional();

/** A nullable `google.protobuf.Int32Value`. */
export const nullableInt32 = z.number().int("must be of type integer").min(-2147483648).max(2147483647)
  .nullable().optional();

/** The check that `oneOf` schemas of protobuf oneofs make: at most one of `fields` is present. */
export function atMostOneOf<T extends Record<string, unknown>>(fields: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    if (fields.filter((f) => value[f] !== undefined).length > 1) {
      ctx.addIssue({ code: "custom", message: "must validate one and only one schema (oneOf)", path: [] });
    }
  };
}

/** Checks a `x-kubernetes-list-type: map` list: no two items share the key field. */
export function uniqueListKey<T extends Record<string, unknown>>(key: keyof T & string) {
  return (items: readonly T[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      if (seen.has(item[key])) {
        ctx.addIssue({
          code: "custom",
          message: `Duplicate value: {${JSON.stringify(key)}:${JSON.stringify(item[key])}}`,
          path: [i],
        });
      }
      seen.add(item[key]);
    });
  };
}

/** `istio.type.v1beta1.WorkloadSelector` with the CRD's label rules. */
export const policySelector = z.strictObject({
  matchLabels: z.record(
    z.string(),
    z.string().max(63, "Too long: may not be more than 63 bytes").refine((v) => !v.includes("*"), {
      message: "wildcard not allowed in label value match",
    }),
  ).superRefine((labels, ctx) => {
    const keys = Object.keys(labels);
    if (keys.length > 4096) {
      ctx.addIssue({ code: "custom", message: "Too many: must have at most 4096 items" });
    }
    if (keys.some((k) => k.includes("*"))) {
      ctx.addIssue({ code: "custom", message: "wildcard not allowed in label key match" });
    }
    if (keys.some((k) => k.length === 0)) ctx.addIssue({ code: "custom", message: "key must not be empty" });
  }).optional(),
});

/** A parsed workload selector. */
export type PolicySelector = z.output<typeof policySelector>;

/** `istio.type.v1beta1.PolicyTargetReference` with the CRD's patterns and CEL rule. */
export const targetReference = z.strictObject({
  group: patterned(
    "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    z.string().max(253, "Too long: may not be more than 253 bytes"),
  ).optional(),
  kind: patterned("^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", boundedName(63)),
  name: boundedName(253),
  namespace: z.string().refine((ns) => ns.length === 0, {
    message: "cross namespace referencing is not currently supported",
  }).optional(),
});

/** A parsed target reference. */
export type TargetReference = z.output<typeof targetReference>;

/** `targetRefs`: at most 16 references. */
export const targetReferences = maxItems(targetReference, 16);

/** The CRD rule on `selector`, `targetRef` and `targetRefs`: at most one may be present. */
export function oneSelectorKind(
  value: { selector?: unknown; targetRef?: unknown; targetRefs?: unknown },
  ctx: z.RefinementCtx,
): void {
  const set = [value.selector, value.targetRef, value.targetRefs].filter((v) => v !== undefined).length;
  if (set > 1) {
    ctx.addIssue({ code: "custom", message: "only one of targetRefs or selector can be set", path: [] });
  }
}

/** `istio.type.v1beta1.PortSelector` as the extension kinds use it: a required port number. */
export const portSelector = z.strictObject({ number: boundedInt(1, 65535) });

/** `TrafficSelector` of WasmPlugin and TrafficExtension: workload mode and ports. */
export const trafficSelector = z.strictObject({
  mode: z.enum(["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"]).optional(),
  ports: z.array(portSelector).superRefine(uniqueListKey("number")).optional(),
});

/** The kinds a `targetRef` may name (istiod's `allowedTargetRefs`): group (canonical) and kind. */
const ALLOWED_TARGET_REFS = [
  ["core", "v1", "Service"],
  ["networking.istio.io", "v1", "ServiceEntry"],
  ["gateway.networking.k8s.io", "v1", "Gateway"],
  ["gateway.networking.k8s.io", "v1", "GatewayClass"],
] as const;

/** Which selection fields a policy spec has. */
export interface PolicyTargets {
  selector?: PolicySelector;
  targetRef?: TargetReference;
  targetRefs?: readonly TargetReference[];
}

/**
 * istiod's common policy checks: one of selector/targetRef/targetRefs, selector labels (warning when empty),
 * each target reference's name, namespace and kind.
 */
export function validatePolicyTargets(spec: PolicyTargets, ctx: RuleContext): void {
  const set = [spec.selector !== undefined, spec.targetRef !== undefined, (spec.targetRefs?.length ?? 0) > 0]
    .filter(Boolean).length;
  if (set > 1) ctx.report([], "only one of targetRefs or workloadSelector can be set");
  if (spec.selector !== undefined) validateWorkloadSelector(spec.selector, ["selector"], ctx);
  if (spec.targetRef !== undefined) validateTargetReference(spec.targetRef, ["targetRef"], ctx);
  spec.targetRefs?.forEach((ref, i) => validateTargetReference(ref, ["targetRefs", i], ctx));
}

/** istiod's `validateWorkloadSelector`: no empty or wildcard labels; a warning when there are no labels. */
export function validateWorkloadSelector(selector: PolicySelector, at: FieldPath, ctx: RuleContext): void {
  const labels = Object.entries(selector.matchLabels ?? {});
  for (const [k, v] of labels) {
    if (k === "") ctx.report([...at, "matchLabels"], `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes("*") || v.includes("*")) {
      ctx.report([...at, "matchLabels", k], `wildcard is not supported in selector: "${k}=${v}"`);
    }
  }
  if (labels.length === 0) ctx.report(at, "workload selector specified without labels", "warning");
}

/** istiod's `validatePolicyTargetReference`. */
export function validateTargetReference(ref: TargetReference, at: FieldPath, ctx: RuleContext): void {
  if (ref.name === "") ctx.report([...at, "name"], "targetRef name must be set");
  if (ref.namespace) {
    ctx.report(
      [...at, "namespace"],
      "targetRef namespace must not be set; cross namespace referencing is not supported",
    );
  }
  const group = ref.group || "core";
  if (!ALLOWED_TARGET_REFS.some(([g, , k]) => g === group && k === ref.kind)) {
    const allowed = ALLOWED_TARGET_REFS.map((r) => r.join("/")).join(" ");
    ctx.report(at, `targetRef must be to one of [${allowed}] but was ${ref.group ?? ""}/${ref.kind}`);
  }
}

/** The annotation that puts an AuthorizationPolicy in dry-run (shadow) mode when Go reads it as true. */
export const DRY_RUN_ANNOTATION = "istio.io/dry-run";

/**
 * istiod's `checkDryRunAnnotation`: only AuthorizationPolicy (ALLOW or DENY, with a boolean value) may carry
 * `istio.io/dry-run`. Pass `action` for an AuthorizationPolicy, `undefined` for the other kinds.
 */
export function validateDryRunAnnotation(ctx: RuleContext, action?: string): void {
  const value = ctx.meta.annotations[DRY_RUN_ANNOTATION];
  if (value === undefined) return;
  const { namespace, name } = ctx.meta;
  if (action === undefined) {
    ctx.report(
      [],
      `${namespace}/${name} has unsupported annotation ${DRY_RUN_ANNOTATION}, please remove the annotation`,
    );
  } else if (action !== "ALLOW" && action !== "DENY") {
    ctx.report(
      [],
      `the annotation ${DRY_RUN_ANNOTATION} currently only supports action ALLOW/DENY, found action ${action} in ${namespace}/${name}`,
    );
  } else if (parseGoBool(value) === undefined) {
    ctx.report(
      [],
      `${namespace}/${name} has annotation ${DRY_RUN_ANNOTATION} with invalid value (${value}): strconv.ParseBool: parsing ${
        JSON.stringify(value)
      }: invalid syntax`,
    );
  }
}
