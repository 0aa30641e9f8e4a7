/**
 * `extensions.istio.io` TrafficExtension: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The TrafficExtension kind. */
export const trafficExtensionKind = defineKind({
  kind: "TrafficExtension",
  group: "extensions.istio.io",
  versions: ["v1alpha1"],
  schema: spec,
  specRequired: true,
});

/** A TrafficExtension spec as validated. */
export type TrafficExtensionSpec = z.output<typeof spec>;
