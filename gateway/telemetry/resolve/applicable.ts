/**
 * Which Telemetry resources apply to this gateway, in Istio's order (`applicableTelemetries`): the root
 * namespace's mesh-wide one, then the gateway namespace's namespace-wide one, then every workload-scoped one of
 * the gateway namespace that selects it (by `selector` or, for a Gateway API gateway, by `targetRefs`; see
 * `compile/policy_attachment.ts`). Within a namespace the oldest resource wins the mesh- or namespace-wide slot.
 * @module
 */
import type { GatewayIdentity } from "../../compile/listeners.ts";
import type { ConfigSet } from "../../config/config_set.ts";
import type { AccessLogging, Metrics, Tracing } from "../../config/kinds/telemetry/telemetry.ts";
import { compareByCreation } from "../../config/resource.ts";
import { attachedPolicies, isNamespaceWide } from "../../compile/policy_attachment.ts";

/**
 * The applicable metrics and tracing configs (in override order) and access-logging configs grouped per
 * resource.
 */
export interface ApplicableTelemetry {
  readonly metrics: readonly Metrics[];
  /** One entry per applicable resource that has `accessLogging`, in override order. */
  readonly logging: readonly (readonly AccessLogging[])[];
  /** The applicable tracing configs, in override order. */
  readonly tracing: readonly Tracing[];
  /** `namespace/name` of the resources that applied, in override order. */
  readonly sources: readonly string[];
}

/** Selects and orders the Telemetry resources applying to the gateway `identity`. */
export function applicableTelemetry(
  config: ConfigSet,
  identity: GatewayIdentity,
  rootNamespace: string,
): ApplicableTelemetry {
  const sorted = [...config.telemetries].sort((a, b) => compareByCreation(a.meta, b.meta));
  // `applicableTelemetries`: the oldest namespace-wide resource of the root namespace and of the gateway's, then
  // the selector and targetRef ones of the gateway's namespace only.
  const applying = attachedPolicies(sorted, identity, {
    rootNamespace,
    rootSelectorsMeshWide: false,
    namespaceWide: "oldest",
  });
  const wide = applying.filter((t) => isNamespaceWide(t.spec));
  const chosen = [
    ...wide.filter((t) => t.meta.namespace === rootNamespace),
    ...wide.filter((t) => t.meta.namespace !== rootNamespace),
    ...applying.filter((t) => !isNamespaceWide(t.spec)),
  ];
  return {
    metrics: chosen.flatMap((t) => t.spec.metrics ?? []),
    logging: chosen.filter((t) => (t.spec.accessLogging?.length ?? 0) > 0).map((t) => t.spec.accessLogging!),
    tracing: chosen.flatMap((t) => t.spec.tracing ?? []),
    sources: chosen.map((t) => `${t.meta.namespace}/${t.meta.name}`),
  };
}
