/**
 * Load balancing over a cluster's endpoints as a DestinationRule's `trafficPolicy.loadBalancer` asks:
 * `createLoadBalancer(settings, endpoints)` builds the balancer, `hashKeyFor` extracts a request's
 * consistent-hash key.
 *
 * | setting | balancer |
 * | --- | --- |
 * | unset, `UNSPECIFIED`, `LEAST_REQUEST`, `LEAST_CONN` (deprecated alias) | LEAST_REQUEST (Istio's default) |
 * | `ROUND_ROBIN` | ROUND_ROBIN |
 * | `RANDOM` | RANDOM |
 * | `consistentHash` with `maglev` | MAGLEV |
 * | `consistentHash` otherwise | RING_HASH (`ringHash.minimumRingSize`, else the deprecated top-level one) |
 * | `backendUtilization` | ROUND_ROBIN (Envoy's client-side weighted round robin without ORCA reports) |
 * | `PASSTHROUGH` | none: see `lbPolicyOf` |
 *
 * `warmup` / `warmupDurationSecs` apply to ROUND_ROBIN and LEAST_REQUEST when the caller supplies
 * `endpointAddedAt`. `localityLbSetting` (priorities, locality weights, failover) wraps these balancers in a
 * `LocalityBalancer` (`locality_balancer.ts`, over a plan from `../locality.ts`). Not implemented:
 * `zoneAwareLbSetting` and ORCA utilization weights.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import type { LoadBalancerSettings } from "../../config/kinds/networking/destination_rule.ts";
import { LeastRequestBalancer } from "./least_request.ts";
import { MaglevBalancer } from "./maglev.ts";
import { RandomBalancer } from "./random.ts";
import { RingHashBalancer } from "./ring_hash.ts";
import { RoundRobinBalancer } from "./round_robin.ts";
import { resolveWarmup } from "./slow_start.ts";
import type { LbKind, LoadBalancer, LoadBalancerOptions } from "./types.ts";

export {
  ActiveRequests,
  type LbContext,
  type LbKind,
  type LoadBalancer,
  type LoadBalancerOptions,
} from "./types.ts";
export { LeastRequestBalancer } from "./least_request.ts";
export { LocalityBalancer, type LocalityBalancerOptions } from "./locality_balancer.ts";
export { DEFAULT_MAGLEV_TABLE_SIZE, MaglevBalancer, type MaglevOptions, nextPrime } from "./maglev.ts";
export { RandomBalancer } from "./random.ts";
export { DEFAULT_MINIMUM_RING_SIZE, RingHashBalancer, type RingHashOptions } from "./ring_hash.ts";
export { RoundRobinBalancer } from "./round_robin.ts";
export { resolveWarmup, SlowStart, slowStartFactor, type Warmup } from "./slow_start.ts";
export {
  type ConsistentHashSettings,
  cookieValue,
  hashKeyFor,
  type HashKeyResult,
  type HeaderLookup,
  makeSetCookie,
  type RequestFacts,
} from "./hash_key.ts";
export { endpointKey, endpointWeight, hash53 } from "./hash.ts";

/**
 * The policy `settings` select. `PASSTHROUGH` is not a balancer: Istio turns the cluster into Envoy's
 * ORIGINAL_DST cluster, which drops the endpoints and connects to the downstream connection's original
 * destination address (at a gateway, normally the gateway itself), so callers must check for it before
 * `createLoadBalancer`.
 */
export function lbPolicyOf(settings: LoadBalancerSettings | undefined): LbKind | "PASSTHROUGH" {
  const hash = settings?.consistentHash;
  if (hash !== undefined) return hash.maglev !== undefined ? "MAGLEV" : "RING_HASH";
  if (settings?.backendUtilization !== undefined) return "ROUND_ROBIN";
  switch (settings?.simple) {
    case "ROUND_ROBIN":
      return "ROUND_ROBIN";
    case "RANDOM":
      return "RANDOM";
    case "PASSTHROUGH":
      return "PASSTHROUGH";
    default:
      // UNSPECIFIED, LEAST_REQUEST, LEAST_CONN and unset (cluster_traffic_policy.go defaultLBAlgorithm).
      return "LEAST_REQUEST";
  }
}

/**
 * A balancer for `endpoints` (normally the cluster's healthy endpoints) under `settings`.
 * @throws {RangeError} for `PASSTHROUGH`, which has no balancer (check `lbPolicyOf` first).
 */
export function createLoadBalancer(
  settings: LoadBalancerSettings | undefined,
  endpoints: readonly Endpoint[],
  options: LoadBalancerOptions = {},
): LoadBalancer {
  const policy = lbPolicyOf(settings);
  switch (policy) {
    case "PASSTHROUGH":
      throw new RangeError("PASSTHROUGH load balancing has no balancer: connect to the original destination");
    case "MAGLEV":
      return new MaglevBalancer(endpoints, {
        ...options,
        tableSize: settings?.consistentHash?.maglev?.tableSize,
      });
    case "RING_HASH": {
      const hash = settings?.consistentHash;
      const minimumRingSize = hash?.ringHash?.minimumRingSize || hash?.minimumRingSize || undefined;
      return new RingHashBalancer(endpoints, { ...options, minimumRingSize });
    }
    case "RANDOM":
      return new RandomBalancer(endpoints, options);
    case "ROUND_ROBIN":
      return new RoundRobinBalancer(endpoints, withWarmup(settings, options));
    case "LEAST_REQUEST":
      return new LeastRequestBalancer(endpoints, withWarmup(settings, options));
  }
}

function withWarmup(
  settings: LoadBalancerSettings | undefined,
  options: LoadBalancerOptions,
): LoadBalancerOptions {
  if (options.warmup !== undefined) return options;
  const warmup = resolveWarmup(settings);
  return warmup === undefined ? options : { ...options, warmup };
}
