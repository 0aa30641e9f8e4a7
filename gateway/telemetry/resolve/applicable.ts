/**
 * Which Telemetry resources apply to this gateway, in Istio's order (`applicableTelemetries`): the root
 * namespace's mesh-wide one, then the gateway namespace's namespace-wide one, then every workload-scoped one of
 * the gateway namespace that selects it (by `selector` or, for a Gateway API gateway, by `targetRefs`). Within
 * a namespace the oldest resource wins the mesh- or namespace-wide slot.
 * @module
 */
import type { GatewayIdentity } from "../../compile/listeners.ts";
import type { ConfigSet } from "../../config/config_set.ts";
import type {
  AccessLogging,
  Metrics,
  TelemetrySpec,
  Tracing,
} from "../../config/kinds/telemetry/telemetry.ts";
import type { TargetReference } from "../../config/kinds/policy_common.ts";
import { compareByCreation, type Resource } from "../../config/resource.ts";

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

/** The label Gateway API deployments carry, naming their Gateway. */
const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** Selects and orders the Telemetry resources applying to the gateway `identity`. */
export function applicableTelemetry(
  config: ConfigSet,
  identity: GatewayIdentity,
  rootNamespace: string,
): ApplicableTelemetry {
  const sorted = [...config.telemetries].sort((a, b) => compareByCreation(a.meta, b.meta));
  const chosen: Resource<TelemetrySpec>[] = [];
  if (rootNamespace !== "") {
    const root = namespaceWide(sorted, rootNamespace);
    if (root) chosen.push(root);
  }
  const namespace = identity.namespace;
  if (namespace !== rootNamespace) {
    const ns = namespaceWide(sorted, namespace);
    if (ns) chosen.push(ns);
  }
  for (const t of sorted) {
    if (t.meta.namespace !== namespace || isNamespaceWide(t.spec)) continue;
    if (attaches(t, identity)) chosen.push(t);
  }
  return {
    metrics: chosen.flatMap((t) => t.spec.metrics ?? []),
    logging: chosen.filter((t) => (t.spec.accessLogging?.length ?? 0) > 0).map((t) => t.spec.accessLogging!),
    tracing: chosen.flatMap((t) => t.spec.tracing ?? []),
    sources: chosen.map((t) => `${t.meta.namespace}/${t.meta.name}`),
  };
}

function namespaceWide(sorted: readonly Resource<TelemetrySpec>[], namespace: string) {
  return sorted.find((t) => t.meta.namespace === namespace && isNamespaceWide(t.spec));
}

function isNamespaceWide(spec: TelemetrySpec): boolean {
  return Object.keys(spec.selector?.matchLabels ?? {}).length === 0 && targetRefs(spec).length === 0;
}

function targetRefs(spec: TelemetrySpec): readonly TargetReference[] {
  if (spec.targetRefs && spec.targetRefs.length > 0) return spec.targetRefs;
  return spec.targetRef ? [spec.targetRef] : [];
}

/** Istio's `ShouldAttachPolicy` for a gateway (not a waypoint). */
function attaches(t: Resource<TelemetrySpec>, identity: GatewayIdentity): boolean {
  const refs = targetRefs(t.spec);
  const gatewayName = identity.labels[GATEWAY_NAME_LABEL];
  if (gatewayName === undefined || refs.length === 0) {
    // A classic gateway ignores targetRef policies; a Gateway API one falls back to the selector.
    return refs.length === 0 && selects(t.spec, identity.labels);
  }
  return refs.some((ref) =>
    t.meta.namespace === identity.namespace && [undefined, "", identity.namespace].includes(ref.namespace) &&
    (ref.group ?? "") === "gateway.networking.k8s.io" && ref.kind === "Gateway" && ref.name === gatewayName
  );
}

function selects(spec: TelemetrySpec, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}
