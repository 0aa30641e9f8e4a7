/**
 * `extensions.istio.io` WasmPlugin: the schema of its spec (istio/api extensions/v1alpha1 wasm.proto and the
 * CRD's constraints) and istiod's webhook rules for it.
 * @module
 */
import { z } from "zod";
import { defineKind, type RuleContext } from "../../kind.ts";
import { struct } from "../../schema/common.ts";
import {
  boundedName,
  nullableInt32,
  oneSelectorKind,
  policySelector,
  targetReference,
  targetReferences,
  trafficSelector,
  validateDryRunAnnotation,
  validatePolicyTargets,
} from "../policy_common.ts";
import {
  failStrategy,
  pluginType,
  pullPolicy,
  sha256,
  validateMatchPorts,
  validateWasmModule,
  vmConfig,
  wasmUrl,
} from "./wasm_rules.ts";

const spec = z.strictObject({
  selector: policySelector.optional(),
  targetRef: targetReference.optional(),
  targetRefs: targetReferences.optional(),
  url: wasmUrl,
  sha256: sha256.optional(),
  imagePullPolicy: pullPolicy.optional(),
  imagePullSecret: boundedName(253).optional(),
  verificationKey: z.string().optional(),
  pluginConfig: struct.optional(),
  pluginName: boundedName(256).optional(),
  phase: z.enum(["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"]).optional(),
  priority: nullableInt32,
  failStrategy: failStrategy.optional(),
  vmConfig: vmConfig.optional(),
  match: z.array(trafficSelector).optional(),
  type: pluginType.optional(),
}).superRefine(oneSelectorKind);

/** The WasmPlugin kind. */
export const wasmPluginKind = defineKind({
  kind: "WasmPlugin",
  group: "extensions.istio.io",
  versions: ["v1alpha1"],
  schema: spec,
  specRequired: true,
  rules: validateWasmPlugin,
});

/** A WasmPlugin spec as validated. */
export type WasmPluginSpec = z.output<typeof spec>;
/** Where in the filter chain a plugin runs; unset means UNSPECIFIED_PHASE (just before the router). */
export type WasmPluginPhase = NonNullable<WasmPluginSpec["phase"]>;
/** Which traffic a plugin applies to: workload mode and ports. */
export type TrafficSelector = z.output<typeof trafficSelector>;

/** istiod's `ValidateWasmPlugin`. */
function validateWasmPlugin(spec: WasmPluginSpec, ctx: RuleContext): void {
  validateDryRunAnnotation(ctx);
  validatePolicyTargets(spec, ctx);
  validateWasmModule(spec, [], ctx, "255");
  validateMatchPorts(spec.match, ctx);
}
