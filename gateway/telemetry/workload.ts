/**
 * Workload identities as Istio's telemetry sees them: the gateway's own (the `source_*` labels, from the pod's
 * node metadata) and Istio's canonical-service defaulting from labels.
 * @module
 */
import type { GatewayIdentity } from "../compile/listeners.ts";

/** The gateway workload, as Envoy's node metadata describes it. */
export interface GatewayWorkload {
  /** `WORKLOAD_NAME`: the Deployment name, e.g. `istio-ingressgateway`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The `app` label, empty when absent (Istio reports it as is). */
  readonly app: string;
  /** The `version` label, empty when absent. */
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  /** `CLUSTER_ID`, `Kubernetes` by default. */
  readonly cluster: string;
}

/** Options for {@link gatewayWorkload}. */
export interface GatewayWorkloadOptions {
  /** The workload (Deployment) name; default the `app` label, else `istio-ingressgateway`. */
  readonly name?: string;
  /** The cluster ID; default `Kubernetes`. */
  readonly cluster?: string;
}

/** Istio's default cluster ID. */
export const DEFAULT_CLUSTER_ID = "Kubernetes";

const CANONICAL_NAME = "service.istio.io/canonical-name";
const CANONICAL_REVISION = "service.istio.io/canonical-revision";

/**
 * Istio's canonical service and revision of a workload (`kubelabels.CanonicalService`): the
 * `service.istio.io/canonical-*` labels, else `app.kubernetes.io/name|version`, else `app`|`version`, else the
 * workload name and `latest`.
 */
export function canonicalService(
  labels: Readonly<Record<string, string>>,
  workloadName: string,
): { service: string; revision: string } {
  return {
    service: labels[CANONICAL_NAME] || labels["app.kubernetes.io/name"] || labels["app"] || workloadName,
    revision: labels[CANONICAL_REVISION] || labels["app.kubernetes.io/version"] || labels["version"] ||
      "latest",
  };
}

/** The gateway's workload from its identity (labels and namespace) and the options. */
export function gatewayWorkload(
  identity: GatewayIdentity,
  options: GatewayWorkloadOptions = {},
): GatewayWorkload {
  const labels = identity.labels;
  const name = options.name || labels["app"] || "istio-ingressgateway";
  const canonical = canonicalService(labels, name);
  return {
    name,
    namespace: identity.namespace,
    labels,
    app: labels["app"] ?? "",
    version: labels["version"] ?? "",
    canonicalService: canonical.service,
    canonicalRevision: canonical.revision,
    cluster: options.cluster || DEFAULT_CLUSTER_ID,
  };
}
