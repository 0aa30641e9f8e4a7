/**
 * `telemetry.istio.io` Telemetry: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The Telemetry kind. */
export const telemetryKind = defineKind({
  kind: "Telemetry",
  group: "telemetry.istio.io",
  versions: ["v1", "v1alpha1"],
  schema: spec,
  specRequired: true,
});

/** A Telemetry spec as validated. */
export type TelemetrySpec = z.output<typeof spec>;
