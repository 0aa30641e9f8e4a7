/**
 * The gateway's place in the mesh topology, as istiod derives a proxy's (xds `setTopologyLabels`, bootstrap
 * `getLocalityOptions`): its locality, and its labels with the topology labels added, which locality load
 * balancing compares endpoints against.
 *
 * Locality, first found: the explicit one (`serve --locality`); the `topology.kubernetes.io/region`,
 * `topology.kubernetes.io/zone` and `topology.istio.io/subzone` labels (when any is set); the
 * `topology.istio.io/locality` or older `istio-locality` label (`region.zone.subzone`, or with `/`). Outside
 * Kubernetes Istio's proxies carry those labels in the `ISTIO_METAJSON_LABELS` environment variable, which
 * `serve` reads. Unknown otherwise (empty).
 * @module
 */
import {
  LEGACY_LOCALITY_LABEL,
  LOCALITY_LABEL,
  REGION_LABEL,
  sanitizeLocality,
  SUBZONE_LABEL,
  withTopologyLabels,
  ZONE_LABEL,
} from "../upstream/locality_plan.ts";
import type { GatewayIdentity } from "./listeners.ts";

/** The gateway's locality and the labels locality load balancing matches. */
export interface ProxyTopology {
  /** `region/zone/subzone`; empty when unknown. */
  readonly locality: string;
  /** The gateway's labels plus region, zone, subzone and network labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The locality named by `labels` (topology labels first, then the locality label); undefined when none. */
export function localityFromLabels(labels: Readonly<Record<string, string>>): string | undefined {
  const region = labels[REGION_LABEL];
  const zone = labels[ZONE_LABEL];
  const subzone = labels[SUBZONE_LABEL];
  if (region !== undefined || zone !== undefined || subzone !== undefined) {
    return [region ?? "", zone ?? "", subzone ?? ""].join("/").replace(/\/+$/, "");
  }
  const label = labels[LOCALITY_LABEL] ?? labels[LEGACY_LOCALITY_LABEL];
  return label ? sanitizeLocality(label) : undefined;
}

/**
 * The locality in `ISTIO_METAJSON_LABELS` (a JSON object of labels, how Istio's proxies outside Kubernetes get
 * theirs); undefined when unset, without one, or not a JSON object of strings.
 */
export function localityFromMetaJsonLabels(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") labels[k] = v;
  return localityFromLabels(labels);
}

/** The topology of the gateway `identity` describes. */
export function proxyTopology(identity: GatewayIdentity): ProxyTopology {
  const locality = identity.locality ?? localityFromLabels(identity.labels) ?? "";
  return { locality, labels: withTopologyLabels(identity.labels, locality, identity.network) };
}
