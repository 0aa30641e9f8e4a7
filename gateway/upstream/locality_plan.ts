/**
 * Istio's half of locality load balancing (pilot `loadbalancer.go`, run per proxy when it builds endpoints):
 * which `localityLbSetting` is in force, and how a cluster's endpoints are grouped by locality and given Envoy
 * priorities and locality weights relative to the gateway's locality and labels. `locality.ts` is Envoy's half.
 *
 * Endpoints are grouped by locality (`region/zone/subzone`), each group weighing the sum of its endpoints'
 * weights, all at priority 0. Then one of:
 * - `distribute` (given): the first rule whose `from` matches the gateway's locality reweights the groups its
 *   `to` patterns match (a pattern's weight is shared among the groups it matches in proportion to their own
 *   weight, rounded up; a group takes the first pattern that matches it), and drops every other group. Nothing
 *   else changes: one priority, locality-weighted balancing.
 * - failover (only when the cluster has `outlierDetection`): with `failoverPriority`, each group is split by how
 *   many of the listed labels (in order; `label=value` pins the value) its endpoints share with the gateway:
 *   priority 0 when all match, else `n - j` for the first mismatch at index `j`. Then, unless `failoverPriority`
 *   was given without `failover`, groups get a locality priority: 0 same region/zone/subzone, 1 same
 *   region/zone, 2 same region, 3 elsewhere, and 4 instead of 3 when a `failover` rule's `from` is the
 *   gateway's region and the group is not in its `to` region; combined as `labelPriority × 5 + localityPriority`.
 *   Priorities are then renumbered 0..N without gaps. Locality weighting is on when `failover` or
 *   `failoverPriority` is given.
 *
 * An unknown gateway locality compares as empty region, zone and subzone, as in Istio: endpoints without a
 * locality are then the local ones.
 * @module
 */
import type { ClusterLocalityLb, Endpoint } from "../compile/types.ts";
import type { LocalityLbSetting } from "../config/mesh/types.ts";
import { endpointWeight } from "./load_balancer/hash.ts";

/** Kubernetes' region label, which Istio adds to endpoints and proxies from their locality. */
export const REGION_LABEL = "topology.kubernetes.io/region";
/** Kubernetes' zone label. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** Istio's subzone label. */
export const SUBZONE_LABEL = "topology.istio.io/subzone";
/** Istio's network label. */
export const NETWORK_LABEL = "topology.istio.io/network";
/** Istio's locality label (`region.zone.subzone`, dots because Kubernetes labels cannot hold `/`). */
export const LOCALITY_LABEL = "topology.istio.io/locality";
/** The older, internal form of `LOCALITY_LABEL`. */
export const LEGACY_LOCALITY_LABEL = "istio-locality";
/** How many priorities locality failover can assign (0-4): the factor combining it with label priorities. */
const LOCALITY_PRIORITIES = 5;

/** A locality split into its parts (missing parts are empty). */
export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

/** Splits `region/zone/subzone` (Istio `SplitLocalityLabel`). */
export function parseLocality(text: string): Locality {
  const [region = "", zone = "", subzone = ""] = text.split("/");
  return { region, zone, subzone };
}

/** A locality label value with `.` separators (Kubernetes labels) turned into `/`; kept when it has a `/`. */
export function sanitizeLocality(text: string): string {
  return text.includes("/") ? text : text.replaceAll(".", "/");
}

/**
 * Whether `locality` matches `pattern` (`region[/zone[/subzone]]`, `*` for any part; a missing zone or subzone
 * matches any), Istio's `LocalityMatch`.
 */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const p = parseLocality(pattern);
  return (p.region === "*" || p.region === locality.region) &&
    (p.zone === "*" || p.zone === "" || p.zone === locality.zone) &&
    (p.subzone === "*" || p.subzone === "" || p.subzone === locality.subzone);
}

/** Istio's `LbPriority`: 0 same subzone, 1 same zone, 2 same region, 3 another region. */
export function localityPriority(proxy: Locality, endpoint: Locality): number {
  if (proxy.region !== endpoint.region) return 3;
  if (proxy.zone !== endpoint.zone) return 2;
  return proxy.subzone === endpoint.subzone ? 0 : 1;
}

/**
 * The setting in force (Istio `GetLocalityLbSetting`): the DestinationRule's when it has one (`enabled: false`
 * turning locality balancing off), else the mesh's unless that is disabled.
 */
export function effectiveLocalityLbSetting(
  mesh: LocalityLbSetting | undefined,
  destinationRule: LocalityLbSetting | undefined,
): LocalityLbSetting | undefined {
  if (destinationRule) return destinationRule.enabled === false ? undefined : destinationRule;
  return mesh?.enabled === false ? undefined : mesh;
}

/**
 * `labels` plus the topology labels of `locality` and `network` (Istio `AugmentLabels`): region, zone and
 * subzone when not empty; the network only when the labels do not name one already.
 */
export function withTopologyLabels(
  labels: Readonly<Record<string, string>>,
  locality: string,
  network?: string,
): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  const l = parseLocality(locality);
  if (l.region) out[REGION_LABEL] = l.region;
  if (l.zone) out[ZONE_LABEL] = l.zone;
  if (l.subzone) out[SUBZONE_LABEL] = l.subzone;
  if (network && !out[NETWORK_LABEL]) out[NETWORK_LABEL] = network;
  return out;
}

/** An endpoint's locality: its `locality`, else its locality label (as Istio reads WorkloadEntries). */
export function endpointLocality(endpoint: Endpoint): string {
  if (endpoint.locality) return endpoint.locality;
  const label = endpoint.labels[LOCALITY_LABEL] ?? endpoint.labels[LEGACY_LOCALITY_LABEL];
  return label ? sanitizeLocality(label) : "";
}

/** The endpoints of one locality at one priority, with the locality's weight. */
export interface LocalityGroup {
  /** `region/zone/subzone`, empty for endpoints without one. */
  readonly locality: string;
  /** The locality's weight in locality-weighted balancing. */
  readonly weight: number;
  readonly endpoints: readonly Endpoint[];
}

/** One Envoy priority level. */
export interface PriorityLevel {
  readonly groups: readonly LocalityGroup[];
  /** Every endpoint of the level, in group order. */
  readonly endpoints: readonly Endpoint[];
}

/** A cluster's endpoints by priority (0 first) and locality. */
export interface LocalityPlan {
  readonly priorities: readonly PriorityLevel[];
  /** Locality-weighted balancing within a priority (Envoy `locality_weighted_lb_config`). */
  readonly weighted: boolean;
}

interface Group {
  readonly locality: string;
  readonly place: Locality;
  readonly weight: number;
  readonly endpoints: readonly Endpoint[];
  readonly priority: number;
}

/** The priorities and locality weights of `endpoints`, seen from the gateway described by `lb`. */
export function planLocalities(endpoints: readonly Endpoint[], lb: ClusterLocalityLb): LocalityPlan {
  const proxy = parseLocality(lb.proxyLocality);
  const distribute = lb.setting.distribute ?? [];
  const failover = lb.setting.failover ?? [];
  const labels = lb.setting.failoverPriority ?? [];
  let groups = groupByLocality(endpoints);
  if (distribute.length > 0) {
    groups = applyDistribute(groups, proxy, distribute);
  } else if (lb.failover) {
    if (labels.length > 0) {
      groups = applyFailoverPriority(groups, lb.proxyLabels, labels);
      if (failover.length > 0) groups = applyLocalityFailover(groups, proxy, failover);
    } else {
      groups = applyLocalityFailover(groups, proxy, failover);
    }
  }
  const weighted = distribute.length > 0 || (lb.failover && (failover.length > 0 || labels.length > 0));
  const priorities: PriorityLevel[] = [];
  for (const g of groups) {
    const level = (priorities[g.priority] ??= { groups: [], endpoints: [] }) as {
      groups: LocalityGroup[];
      endpoints: Endpoint[];
    };
    level.groups.push({ locality: g.locality, weight: g.weight, endpoints: g.endpoints });
    level.endpoints.push(...g.endpoints);
  }
  return { priorities, weighted };
}

/**
 * Whether balancing under `plan` is the same as over the `count` endpoints as one pool: one priority holding
 * them all, and no locality weighting between several localities.
 */
export function isSinglePool(plan: LocalityPlan, count: number): boolean {
  const [only, ...rest] = plan.priorities;
  return only !== undefined && rest.length === 0 && only.endpoints.length === count &&
    (!plan.weighted || only.groups.length === 1);
}

function groupByLocality(endpoints: readonly Endpoint[]): Group[] {
  const byLocality = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    const key = endpointLocality(e);
    const list = byLocality.get(key);
    if (list) list.push(e);
    else byLocality.set(key, [e]);
  }
  return [...byLocality.keys()].sort().map((locality) => {
    const list = byLocality.get(locality)!;
    return {
      locality,
      place: parseLocality(locality),
      weight: totalWeight(list),
      endpoints: list,
      priority: 0,
    };
  });
}

function totalWeight(endpoints: readonly Endpoint[]): number {
  let sum = 0;
  for (const e of endpoints) sum += endpointWeight(e);
  return sum;
}

/** Istio `applyLocalityWeights`. */
function applyDistribute(
  groups: Group[],
  proxy: Locality,
  distribute: NonNullable<LocalityLbSetting["distribute"]>,
): Group[] {
  const rule = distribute.find((d) => localityMatches(proxy, d.from ?? ""));
  if (!rule) return groups;
  const unmatched = new Set(groups);
  const weights = new Map<Group, number>();
  for (const [pattern, share] of Object.entries(rule.to ?? {})) {
    const matched = groups.filter((g) => unmatched.has(g) && localityMatches(g.place, pattern));
    const total = matched.reduce((sum, g) => sum + g.weight, 0);
    for (const g of matched) {
      unmatched.delete(g);
      const weight = Math.ceil((g.weight * share) / total);
      if (weight > 0) weights.set(g, weight);
    }
  }
  return groups.filter((g) => !unmatched.has(g)).map((g) => ({ ...g, weight: weights.get(g) ?? g.weight }));
}

/** Istio `applyFailoverPriorities`: each locality split by label priority, then renumbered. */
function applyFailoverPriority(
  groups: Group[],
  proxyLabels: Readonly<Record<string, string>>,
  failoverPriority: readonly string[],
): Group[] {
  if (Object.keys(proxyLabels).length === 0 || groups.length === 0) return groups;
  const names: string[] = [];
  const pinned = new Map<string, string>();
  for (const entry of failoverPriority) {
    const parts = entry.split("=");
    names.push(parts[0]);
    if (parts.length === 2) pinned.set(parts[0], parts[1]);
  }
  const out: Group[] = [];
  for (const g of groups) {
    const byPriority = new Map<number, Endpoint[]>();
    for (const e of g.endpoints) {
      const labels = withTopologyLabels(e.labels, endpointLocality(e), e.network);
      let priority = 0;
      for (const [j, name] of names.entries()) {
        const wanted = pinned.get(name) ?? proxyLabels[name] ?? "";
        if (wanted !== (labels[name] ?? "")) {
          priority = names.length - j;
          break;
        }
      }
      const list = byPriority.get(priority);
      if (list) list.push(e);
      else byPriority.set(priority, [e]);
    }
    for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
      const list = byPriority.get(priority)!;
      out.push({ ...g, endpoints: list, weight: totalWeight(list), priority });
    }
  }
  return renumber(out);
}

/** Istio `applyLocalityFailover`. */
function applyLocalityFailover(
  groups: Group[],
  proxy: Locality,
  failover: NonNullable<LocalityLbSetting["failover"]>,
): Group[] {
  const rule = failover.find((f) => f.from === proxy.region);
  return renumber(groups.map((g) => {
    let priority = localityPriority(proxy, g.place);
    if (priority === 3 && rule && g.place.region !== rule.to) priority = 4;
    return { ...g, priority: g.priority * LOCALITY_PRIORITIES + priority };
  }));
}

/** Priorities renumbered 0..N in order, without gaps. */
function renumber(groups: Group[]): Group[] {
  const order = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  const index = new Map(order.map((p, i) => [p, i]));
  return groups.map((g) => ({ ...g, priority: index.get(g.priority)! }));
}
