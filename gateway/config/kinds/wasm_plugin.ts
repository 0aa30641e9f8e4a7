/**
 * `extensions.istio.io` WasmPlugin: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The WasmPlugin kind. */
export const wasmPluginKind = defineKind({
  kind: "WasmPlugin",
  group: "extensions.istio.io",
  versions: ["v1alpha1"],
  schema: spec,
  specRequired: true,
});

/** A WasmPlugin spec as validated. */
export type WasmPluginSpec = z.output<typeof spec>;
