/**
 * The service registry of a gateway outside Kubernetes: ServiceEntries (with their endpoints, or the
 * WorkloadEntries they select) give every host its ports and endpoints.
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { ServiceEntrySpec } from "../config/kinds/networking/service_entry.ts";
import type { Resource } from "../config/resource.ts";
import { resolveShortName } from "../config/hosts.ts";
import { selectorMatches } from "./labels.ts";
import type { Endpoint, Resolution } from "./types.ts";

/** One port of a service, with the endpoints that serve it. */
export interface ServicePortInstances {
  readonly number: number;
  readonly name: string;
  readonly protocol: string;
  readonly endpoints: readonly Endpoint[];
}

/** A host from a ServiceEntry. */
export interface Service {
  readonly host: string;
  readonly namespace: string;
  /** `namespace/name` of the ServiceEntry. */
  readonly source: string;
  readonly resolution: Resolution;
  readonly location: string;
  readonly ports: readonly ServicePortInstances[];
}

/** Services by host; the first ServiceEntry (in creation order) to declare a host wins. */
export type ServiceRegistry = ReadonlyMap<string, Service>;

/** Builds the registry from the ServiceEntries and WorkloadEntries of a config. */
export function buildServiceRegistry(config: ConfigSet): ServiceRegistry {
  const out = new Map<string, Service>();
  for (const se of config.serviceEntries) {
    for (const rawHost of se.spec.hosts ?? []) {
      const host = resolveShortName(rawHost, se.meta.namespace);
      if (out.has(host)) continue;
      out.set(host, buildService(se, host, config));
    }
  }
  return out;
}

function buildService(se: Resource<ServiceEntrySpec>, host: string, config: ConfigSet): Service {
  const spec = se.spec;
  const resolution = (spec.resolution ?? "NONE") as Resolution;
  const workloads = workloadsOf(se, config);
  const ports = (spec.ports ?? []).map((p) => {
    const defaultPort = p.targetPort ?? p.number;
    let endpoints: Endpoint[] = workloads.map((w) => ({
      address: w.address ?? "",
      port: (p.name ? w.ports?.[p.name] : undefined) ?? defaultPort,
      labels: w.labels ?? {},
      weight: w.weight ?? 1,
      locality: w.locality,
      network: w.network,
    })).filter((e) => e.address !== "");
    if (
      endpoints.length === 0 && !spec.workloadSelector &&
      (resolution === "DNS" || resolution === "DNS_ROUND_ROBIN" ||
        resolution === "NONE" || resolution === "DYNAMIC_DNS")
    ) {
      // No endpoints: the host name itself is resolved (DNS) or the request's destination is used (NONE).
      endpoints = [{ address: host, port: defaultPort, labels: {}, weight: 1 }];
    }
    if (resolution === "DNS_ROUND_ROBIN") endpoints = endpoints.slice(0, 1);
    return { number: p.number, name: p.name ?? "", protocol: (p.protocol ?? "TCP").toUpperCase(), endpoints };
  });
  return {
    host,
    namespace: se.meta.namespace,
    source: `${se.meta.namespace}/${se.meta.name}`,
    resolution,
    location: spec.location ?? "MESH_EXTERNAL",
    ports,
  };
}

interface WorkloadLike {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  weight?: number;
  locality?: string;
  network?: string;
}

/** Inline endpoints, or the WorkloadEntries of the same namespace that the `workloadSelector` selects. */
function workloadsOf(se: Resource<ServiceEntrySpec>, config: ConfigSet): WorkloadLike[] {
  if (se.spec.workloadSelector) {
    const selector = se.spec.workloadSelector.labels ?? {};
    return config.workloadEntries
      .filter((we) =>
        we.meta.namespace === se.meta.namespace && selectorMatches(selector, we.spec.labels ?? {})
      )
      .map((we) => ({ ...we.spec, labels: { ...we.meta.labels, ...we.spec.labels } }));
  }
  return (se.spec.endpoints ?? []) as WorkloadLike[];
}
