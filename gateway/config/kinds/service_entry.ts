/**
 * `networking.istio.io` ServiceEntry: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The ServiceEntry kind. */
export const serviceEntryKind = defineKind({
  kind: "ServiceEntry",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: spec,
  specRequired: true,
});

/** A ServiceEntry spec as validated. */
export type ServiceEntrySpec = z.output<typeof spec>;
