/**
 * `networking.istio.io` VirtualService: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The VirtualService kind. */
export const virtualServiceKind = defineKind({
  kind: "VirtualService",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: spec,
  specRequired: true,
});

/** A VirtualService spec as validated. */
export type VirtualServiceSpec = z.output<typeof spec>;
