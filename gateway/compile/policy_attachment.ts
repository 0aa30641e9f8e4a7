/**
 * Whether a policy resource (AuthorizationPolicy, RequestAuthentication, Telemetry, WasmPlugin,
 * TrafficExtension) applies to this gateway, as istiod decides it: `WorkloadPolicyMatcher.ShouldAttachPolicy`
 * (pilot/pkg/model/policyattachment.go) for a gateway that is not a waypoint, plus the namespaces each kind's
 * lookup reads.
 * - Only policies of the gateway's namespace and of the root namespace are considered.
 * - A namespace-wide policy (no selector labels, no targetRef/targetRefs) applies to every gateway of its
 *   namespace; one of the root namespace applies to every gateway (mesh-wide).
 * - A `selector` attaches when its `matchLabels` are a subset of the gateway's labels (a Gateway API gateway
 *   falls back to it too: istiod's `ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY`, on by default).
 * - `targetRefs` (or the older `targetRef`) attach only to a Gateway API gateway, through its
 *   `gateway.networking.k8s.io/gateway-name` label, and only from the gateway's own namespace; a classic
 *   gateway ignores such a policy, and a reference to any other kind (an Istio Gateway, a GatewayClass, a
 *   Service) never selects a gateway.
 * What differs between kinds is spelled out in {@link AttachmentRules}.
 * @module
 */
import type { PolicyTargets, TargetReference } from "../config/kinds/policy_common.ts";
import { compareByCreation, type ResourceMeta } from "../config/resource.ts";
import { selectorMatches } from "./labels.ts";
import type { GatewayIdentity } from "./listeners.ts";

/** The label a Gateway API deployment carries, naming its Gateway. */
const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** A policy resource as attachment reads it: its metadata and its selection fields. */
export interface AttachablePolicy {
  readonly meta: ResourceMeta;
  readonly spec: PolicyTargets;
}

/** How a kind's lookup differs from the others' (see {@link attachedPolicies}). */
export interface AttachmentRules {
  /** `meshConfig.rootNamespace`: its namespace-wide policies are mesh-wide; empty for none. */
  readonly rootNamespace: string;
  /**
   * Whether a root-namespace policy with a `selector` is matched against gateways of every namespace (true:
   * AuthorizationPolicy, RequestAuthentication, WasmPlugin, TrafficExtension, whose lookups run
   * `ShouldAttachPolicy` on the root namespace's policies too) or only against gateways of the root namespace
   * itself (false: Telemetry, whose `applicableTelemetries` reads selector and targetRef resources of the proxy's
   * namespace only).
   */
  readonly rootSelectorsMeshWide: boolean;
  /**
   * `"every"`: every namespace-wide policy applies. `"oldest"`: only the oldest namespace-wide policy of each
   * namespace does (Telemetry's `namespaceWideTelemetryConfig`: one mesh-wide and one namespace-wide resource).
   */
  readonly namespaceWide: "every" | "oldest";
}

/** The policies among `policies` that apply to the gateway `identity` under `rules`, in their given order. */
export function attachedPolicies<P extends AttachablePolicy>(
  policies: readonly P[],
  identity: GatewayIdentity,
  rules: AttachmentRules,
): P[] {
  const attached = policies.filter((p) => inLookup(p, identity, rules) && selectsGateway(p, identity));
  if (rules.namespaceWide === "every") return attached;
  const oldest = oldestNamespaceWide(attached);
  return attached.filter((p) => !isNamespaceWide(p.spec) || oldest.get(p.meta.namespace) === p);
}

/** True for a policy with neither selector labels nor target references: it covers its whole namespace. */
export function isNamespaceWide(spec: PolicyTargets): boolean {
  return Object.keys(spec.selector?.matchLabels ?? {}).length === 0 && targetRefsOf(spec).length === 0;
}

/** Whether the kind's lookup reads `p` for a gateway of `identity.namespace`. */
function inLookup(p: AttachablePolicy, identity: GatewayIdentity, rules: AttachmentRules): boolean {
  const ns = p.meta.namespace;
  if (ns === identity.namespace) return true;
  if (rules.rootNamespace === "" || ns !== rules.rootNamespace) return false;
  return rules.rootSelectorsMeshWide || isNamespaceWide(p.spec);
}

/** istiod's `ShouldAttachPolicy` for a gateway (not a waypoint). */
function selectsGateway(p: AttachablePolicy, identity: GatewayIdentity): boolean {
  const refs = targetRefsOf(p.spec);
  if (refs.length === 0) return selectorMatches(p.spec.selector?.matchLabels, identity.labels);
  const gatewayName = identity.labels[GATEWAY_NAME_LABEL];
  if (gatewayName === undefined || p.meta.namespace !== identity.namespace) return false;
  return refs.some((ref) =>
    (ref.namespace === undefined || ref.namespace === "" || ref.namespace === identity.namespace) &&
    ref.group === "gateway.networking.k8s.io" && ref.kind === "Gateway" && ref.name === gatewayName
  );
}

/** istiod's `GetTargetRefs`: `targetRefs`, or the older single `targetRef` when that list is empty. */
function targetRefsOf(spec: PolicyTargets): readonly TargetReference[] {
  if (spec.targetRefs && spec.targetRefs.length > 0) return spec.targetRefs;
  return spec.targetRef ? [spec.targetRef] : [];
}

/** The oldest namespace-wide policy of each namespace among `policies`. */
function oldestNamespaceWide<P extends AttachablePolicy>(policies: readonly P[]): Map<string, P> {
  const oldest = new Map<string, P>();
  for (const p of policies) {
    if (!isNamespaceWide(p.spec)) continue;
    const current = oldest.get(p.meta.namespace);
    if (current === undefined || compareByCreation(p.meta, current.meta) < 0) oldest.set(p.meta.namespace, p);
  }
  return oldest;
}
