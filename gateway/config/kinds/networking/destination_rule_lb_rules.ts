/**
 * istiod's rules for a DestinationRule's load balancer settings (`validateLoadBalancer`,
 * `ValidateLocalityLbSetting`, `ValidateZoneAwareLbSetting`).
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import type { LoadBalancerSettings, OutlierDetection } from "./destination_rule.ts";
import { validateDuration } from "../../duration.ts";

type LocalityLbSetting = NonNullable<LoadBalancerSettings["localityLbSetting"]>;
type ZoneAwareLbSetting = NonNullable<LoadBalancerSettings["zoneAwareLbSetting"]>;

const TOPOLOGY_LABELS = [
  "topology.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.istio.io/subzone",
];

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

/** istiod's `validateLoadBalancer`: consistent hash, maglev, locality, zone-aware and warmup settings. */
export function validateLoadBalancer(
  lb: LoadBalancerSettings | undefined,
  outlier: OutlierDetection | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!lb) return;
  const ch = lb.consistentHash;
  if (ch) {
    const cat = [...at, "consistentHash"];
    const cookie = ch.httpCookie;
    if (cookie && cookie.name === "") {
      ctx.report([...cat, "httpCookie", "name"], "name required for HttpCookie");
    }
    const attrNames = new Set<string>();
    (cookie?.attributes ?? []).forEach((a, i) => {
      const aat = [...cat, "httpCookie", "attributes", i, "name"];
      if (a.name === "") ctx.report(aat, "cookie attribute name cannot be empty");
      else if (attrNames.has(a.name)) ctx.report(aat, `duplicate cookie attribute name: ${a.name}`);
      else attrNames.add(a.name);
    });
    if (ch.minimumRingSize) {
      ctx.report(
        [...cat, "minimumRingSize"],
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
        "warning",
      );
      if (ch.ringHash || ch.maglev) {
        ctx.report(cat, "only one of MinimumRingSize or Maglev/Ringhash can be specified");
      }
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      const mat = [...cat, "maglev", "tableSize"];
      if (size === 0) ctx.report(mat, "tableSize must be set for maglev");
      if (size >= 5000011) ctx.report(mat, "tableSize must be less than 5000011 for maglev");
      if (!isPrime(size)) ctx.report(mat, "tableSize must be a prime number for maglev");
    }
  }
  if (lb.localityLbSetting && lb.zoneAwareLbSetting) {
    ctx.report(at, "only one of localityLbSetting and zoneAwareLbSetting can be set");
  }
  validateLocalityLbSetting(lb.localityLbSetting, outlier, [...at, "localityLbSetting"], ctx);
  validateZoneAwareLbSetting(lb.zoneAwareLbSetting, outlier, [...at, "zoneAwareLbSetting"], ctx);
  const warm = lb.warmup;
  if (warm) {
    validateDuration(warm.duration, [...at, "warmup", "duration"], ctx);
    if ((warm.minimumPercent ?? 0) > 100) {
      ctx.report(
        [...at, "warmup", "minimumPercent"],
        "minimumPercent value should be less than or equal to 100",
      );
    }
    if (warm.aggression != null && warm.aggression <= 0) {
      ctx.report([...at, "warmup", "aggression"], "aggression should be greater than 0");
    }
  }
}

/** Checks `localityLbSetting`: distribute weights, failover regions and locality overlaps. */
export function validateLocalityLbSetting(
  lb: LocalityLbSetting | undefined,
  outlier: OutlierDetection | undefined,
  at: FieldPath,
  ctx: Pick<RuleContext, "report">,
): void {
  if (!lb) return;
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  const priority = lb.failoverPriority ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    ctx.report(at, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topo = priority.find((p) => TOPOLOGY_LABELS.includes(p));
    if (topo !== undefined) {
      ctx.report(
        [...at, "failoverPriority"],
        `can not simultaneously set 'failover' and topology label '${topo}' in 'failover_priority'`,
      );
      return;
    }
  }
  const sources: string[] = [];
  for (const [i, d] of distribute.entries()) {
    sources.push(d.from ?? "");
    const to = Object.entries(d.to ?? {});
    let total = 0;
    for (const [, weight] of to) {
      if (weight <= 0 || weight > 100) {
        ctx.report([...at, "distribute", i, "to"], "locality weight must be in range [1, 100]");
        return;
      }
      total += weight;
    }
    if (total !== 100) {
      ctx.report([...at, "distribute", i, "to"], `total locality weight ${total} != 100`);
      return;
    }
    const err = localitiesError(to.map(([loc]) => loc));
    if (err) ctx.report([...at, "distribute", i, "to"], err);
  }
  const err = localitiesError(sources);
  if (err) ctx.report([...at, "distribute"], err);
  if ((failover.length > 0 || priority.length > 0) && !outlier) {
    ctx.report(at, "outlier detection policy must be provided for failover", "warning");
  }
  failover.forEach((f, i) => {
    const from = f.from ?? "";
    const to = f.to ?? "";
    const fat = [...at, "failover", i];
    if (from === to) ctx.report(fat, "locality lb failover settings must specify different regions");
    if (from.includes("/") || to.includes("/")) ctx.report(fat, "locality lb failover only specify region");
    if (from.includes("*") || to.includes("*")) {
      ctx.report(fat, "locality lb failover region should not contain '*' wildcard");
    }
  });
}

/** Checks `zoneAwareLbSetting`: region-only failover and no topology labels in `failoverPriority`. */
export function validateZoneAwareLbSetting(
  lb: ZoneAwareLbSetting | undefined,
  outlier: OutlierDetection | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!lb) return;
  const failover = lb.failover ?? [];
  const priority = lb.failoverPriority ?? [];
  priority.forEach((p, i) => {
    if (TOPOLOGY_LABELS.includes(p)) {
      ctx.report(
        [...at, "failoverPriority", i],
        `'failover_priority' for zone aware lb must not use topology label '${p}'; region- and zone-level routing are handled automatically`,
      );
    }
  });
  if ((failover.length > 0 || priority.length > 0) && !outlier) {
    ctx.report(at, "outlier detection policy must be provided for failover", "warning");
  }
  failover.forEach((f, i) => {
    const from = f.from ?? "";
    const to = f.to ?? "";
    const fat = [...at, "failover", i];
    if (from === to) ctx.report(fat, "zone aware lb failover settings must specify different regions");
    if (from.includes("/") || to.includes("/")) {
      ctx.report(
        fat,
        "zone aware lb failover only specifies region; zone and subzone failover are handled automatically",
      );
    }
    if (from.includes("*") || to.includes("*")) {
      ctx.report(fat, "zone aware lb failover region should not contain '*' wildcard");
    }
  });
}

/** istiod's `validateLocalities`: `region[/zone[/subzone]]`, one trailing `*` at most, no overlaps. */
function localitiesError(localities: readonly string[]): string | undefined {
  // region -> zone -> subzone; "*" entries mark a whole region or zone as taken.
  const taken = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split("*").length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith("*"))) {
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    const overlap = `locality ${locality} overlap with previous specified ones`;
    if (taken.has("*")) return overlap;
    const items = splitN(locality, "/", 3);
    if (items.some((item) => item === "")) {
      return `locality ${locality} must not contain empty region/zone/subzone info`;
    }
    const [region, zone, subzone] = items;
    const zones = taken.get(region);
    if (items.length === 1) {
      if (zones) return overlap;
      taken.set(region, new Map([["*", new Set(["*"])]]));
    } else if (items.length === 2) {
      if (zones) {
        if (zones.has("*") || zones.has(zone)) return overlap;
        zones.set(zone, new Set(["*"]));
      } else taken.set(region, new Map([[zone, new Set(["*"])]]));
    } else if (zones) {
      if (zones.has("*")) return overlap;
      const subzones = zones.get(zone);
      if (subzones) {
        if (subzones.has("*") || subzones.has(subzone)) return overlap;
        subzones.add(subzone);
      } else zones.set(zone, new Set([subzone]));
    } else taken.set(region, new Map([[zone, new Set([subzone])]]));
  }
  return undefined;
}

/** Go's `strings.SplitN`. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
