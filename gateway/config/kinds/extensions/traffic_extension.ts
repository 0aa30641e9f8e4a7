/**
 * `extensions.istio.io` TrafficExtension: the schema of its spec (istio/api extensions/v1alpha1
 * traffic_extension.proto and the CRD's constraints) and istiod's webhook rules for it: a Wasm module or inline
 * Lua code, exactly one, run in a filter-chain phase with a priority.
 * @module
 */
import { z } from "zod";
import { defineKind, type RuleContext } from "../../kind.ts";
import { struct } from "../../schema/common.ts";
import {
  atMostOneOf,
  boundedName,
  nullableInt32,
  policySelector,
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

const wasmConfig = z.strictObject({
  url: wasmUrl,
  sha256: sha256.optional(),
  imagePullPolicy: pullPolicy.optional(),
  imagePullSecret: boundedName(253).optional(),
  verificationKey: z.string().optional(),
  pluginConfig: struct.optional(),
  pluginName: boundedName(256).optional(),
  failStrategy: failStrategy.optional(),
  vmConfig: vmConfig.optional(),
  type: pluginType.optional(),
});

const luaConfig = z.strictObject({ inlineCode: boundedName(65536) });

const spec = z.strictObject({
  selector: policySelector.optional(),
  targetRefs: targetReferences.optional(),
  phase: z.enum(["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"]).optional(),
  priority: nullableInt32,
  match: z.array(trafficSelector).optional(),
  wasm: wasmConfig.optional(),
  lua: luaConfig.optional(),
}).superRefine(atMostOneOf(["wasm", "lua"])).superRefine((s, ctx) => {
  if (s.selector !== undefined && s.targetRefs !== undefined) {
    ctx.addIssue({ code: "custom", message: "only one of targetRefs or selector can be set" });
  }
  if ((s.wasm !== undefined) === (s.lua !== undefined)) {
    ctx.addIssue({ code: "custom", message: "exactly one of wasm or lua must be set" });
  }
});

/** The TrafficExtension kind. */
export const trafficExtensionKind = defineKind({
  kind: "TrafficExtension",
  group: "extensions.istio.io",
  versions: ["v1alpha1"],
  schema: spec,
  specRequired: true,
  rules: validateTrafficExtension,
});

/** A TrafficExtension spec as validated. */
export type TrafficExtensionSpec = z.output<typeof spec>;
/** The Wasm module of a TrafficExtension. */
export type WasmConfig = z.output<typeof wasmConfig>;
/** The inline Lua code of a TrafficExtension. */
export type LuaConfig = z.output<typeof luaConfig>;

/** istiod's `ValidateTrafficExtension`. */
function validateTrafficExtension(spec: TrafficExtensionSpec, ctx: RuleContext): void {
  validateDryRunAnnotation(ctx);
  if ((spec.wasm === undefined) === (spec.lua === undefined)) {
    ctx.report([], "exactly one of wasm or lua must be set");
  }
  validatePolicyTargets(spec, ctx);
  if (spec.lua !== undefined) {
    if (spec.lua.inlineCode.length === 0) ctx.report(["lua", "inlineCode"], "lua.inlineCode cannot be empty");
    if (spec.lua.inlineCode.length > 65536) {
      ctx.report(["lua", "inlineCode"], "lua.inlineCode exceeds maximum size of 64KB");
    }
  }
  if (spec.wasm !== undefined) validateWasmModule(spec.wasm, ["wasm"], ctx, "256");
  validateMatchPorts(spec.match, ctx);
}
