/**
 * Building upstream clusters: one per service port and one per DestinationRule subset, named as Istio names
 * them (`outbound|PORT|SUBSET|HOST`), with the DestinationRule traffic policy merged for that port and subset,
 * and the locality load balancing that policy (or meshConfig) asks for, seen from this gateway.
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { DestinationRuleSpec, TrafficPolicy } from "../config/kinds/networking/destination_rule.ts";
import { compareByCreation, type Resource } from "../config/resource.ts";
import { hostMatches, resolveShortName } from "../config/hosts.ts";
import { selectorMatches } from "./labels.ts";
import type { ServiceRegistry } from "./services.ts";
import type { LocalityLbSetting } from "../config/mesh/mod.ts";
import { effectiveLocalityLbSetting } from "../upstream/locality_plan.ts";
import type { ProxyTopology } from "./proxy_topology.ts";
import type { Cluster, ClusterLocalityLb } from "./types.ts";
import { exportedTo } from "./virtual_hosts.ts";

/** The name of a cluster, as Istio builds it (`model.BuildSubsetKey`). */
export function clusterName(port: number, subset: string | undefined, host: string): string {
  return `outbound|${port}|${subset ?? ""}|${host}`;
}

/** What locality load balancing needs from the mesh and the gateway. */
export interface LocalityContext {
  /** meshConfig `localityLbSetting`, the default for DestinationRules without one. */
  readonly meshSetting?: LocalityLbSetting;
  readonly proxy: ProxyTopology;
}

/**
 * Builds every cluster of the registry, seen from a gateway in `gatewayNamespace`; with `locality`, clusters
 * carry their locality load balancing.
 */
export function buildClusters(
  services: ServiceRegistry,
  config: ConfigSet,
  gatewayNamespace: string,
  locality?: LocalityContext,
): Map<string, Cluster> {
  const out = new Map<string, Cluster>();
  const rules = [...config.destinationRules]
    .filter((dr) =>
      exportedTo(dr.spec.exportTo, dr.meta.namespace, gatewayNamespace) &&
      (!dr.spec.workloadSelector || dr.meta.namespace === gatewayNamespace)
    )
    .sort((a, b) => compareByCreation(a.meta, b.meta));
  for (const service of services.values()) {
    const dr = destinationRuleFor(service.host, rules);
    for (const port of service.ports) {
      const base = {
        host: service.host,
        port: port.number,
        protocol: port.protocol,
        resolution: service.resolution,
        serviceEntry: service.source,
        destinationRule: dr ? `${dr.meta.namespace}/${dr.meta.name}` : undefined,
      };
      const policy = mergeTrafficPolicy(dr?.spec.trafficPolicy, undefined, port.number);
      const name = clusterName(port.number, undefined, service.host);
      out.set(name, {
        ...base,
        name,
        endpoints: port.endpoints,
        trafficPolicy: policy,
        tls: policy?.tls,
        ...localityLbOf(policy, locality),
      });
      for (const subset of dr?.spec.subsets ?? []) {
        const subsetPolicy = mergeTrafficPolicy(dr?.spec.trafficPolicy, subset.trafficPolicy, port.number);
        const subsetName = clusterName(port.number, subset.name, service.host);
        out.set(subsetName, {
          ...base,
          name: subsetName,
          subset: subset.name,
          endpoints: port.endpoints.filter((e) => selectorMatches(subset.labels, e.labels)),
          trafficPolicy: subsetPolicy,
          tls: subsetPolicy?.tls,
          ...localityLbOf(subsetPolicy, locality),
        });
      }
    }
  }
  return out;
}

/**
 * The locality load balancing of a cluster with `policy` (as a spreadable `{localityLb}`, empty when none):
 * the policy's `localityLbSetting`, else the mesh's, when enabled and able to change anything, which needs
 * `distribute` or failover, and failover needs `outlierDetection` (Istio's rule).
 */
export function localityLbOf(
  policy: TrafficPolicy | undefined,
  locality: LocalityContext | undefined,
): { localityLb?: ClusterLocalityLb } {
  if (!locality) return {};
  const setting = effectiveLocalityLbSetting(locality.meshSetting, policy?.loadBalancer?.localityLbSetting);
  if (!setting) return {};
  const failover = policy?.outlierDetection !== undefined;
  if (!failover && (setting.distribute ?? []).length === 0) return {};
  return {
    localityLb: {
      setting,
      failover,
      proxyLocality: locality.proxy.locality,
      proxyLabels: locality.proxy.labels,
    },
  };
}

/** The DestinationRule for a host: an exact host wins over the most specific wildcard; older rules first. */
export function destinationRuleFor(
  host: string,
  rules: readonly Resource<DestinationRuleSpec>[],
): Resource<DestinationRuleSpec> | undefined {
  let best: Resource<DestinationRuleSpec> | undefined;
  let bestLength = -1;
  for (const dr of rules) {
    const drHost = resolveShortName(dr.spec.host, dr.meta.namespace);
    if (drHost === host) return dr;
    if (hostMatches(drHost, host) && drHost.length > bestLength) {
      best = dr;
      bestLength = drHost.length;
    }
  }
  return best;
}

const POLICY_PARTS = ["loadBalancer", "connectionPool", "outlierDetection", "tls"] as const;

/**
 * The effective policy for a port and subset: the top-level policy with its port-level override, then the
 * subset's policy (and its port-level override) replacing whole parts, as Istio merges them.
 */
export function mergeTrafficPolicy(
  top: TrafficPolicy | undefined,
  subset: TrafficPolicy | undefined,
  port: number,
): TrafficPolicy | undefined {
  const base = applyPortLevel(top, port);
  const over = applyPortLevel(subset, port);
  if (!over) return base;
  if (!base) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value !== undefined && key !== "portLevelSettings") merged[key] = value;
  }
  return merged as TrafficPolicy;
}

function applyPortLevel(policy: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  if (!policy) return undefined;
  const level = policy.portLevelSettings?.find((p) => p.port?.number === port);
  const { portLevelSettings: _unused, ...rest } = policy;
  if (!level) return rest as TrafficPolicy;
  const out: Record<string, unknown> = { ...rest };
  for (const part of POLICY_PARTS) if (level[part] !== undefined) out[part] = level[part];
  return out as TrafficPolicy;
}
