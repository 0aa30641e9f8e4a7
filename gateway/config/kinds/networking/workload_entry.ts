/**
 * `networking.istio.io` WorkloadEntry: the schema of its spec (the same shape as a ServiceEntry endpoint, with
 * the CRD's CEL rules) and the webhook's rules for it.
 * @module
 */
import type { z } from "zod";
import { defineKind, type RuleContext } from "../../kind.ts";
import { workloadEntryBody } from "./service_entry.ts";
import { validateWorkloadEntryBody } from "./workload_entry_rules.ts";

/** The WorkloadEntry kind. */
export const workloadEntryKind = defineKind({
  kind: "WorkloadEntry",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: workloadEntryBody,
  specRequired: true,
  rules: validateWorkloadEntry,
});

/** A WorkloadEntry spec as validated: address, ports, labels, network, locality, weight, serviceAccount. */
export type WorkloadEntrySpec = z.output<typeof workloadEntryBody>;

/** `ValidateWorkloadEntry`: a standalone entry may use an FQDN address and name any ports. */
function validateWorkloadEntry(spec: WorkloadEntrySpec, ctx: RuleContext): void {
  validateWorkloadEntryBody(spec, undefined, true, [], ctx);
}
