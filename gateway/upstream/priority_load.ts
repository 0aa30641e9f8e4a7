/**
 * Envoy's priority load (`LoadBalancerBase`): how much of the traffic each priority level gets from the share
 * of its hosts that are healthy, and when a level is in panic; plus the `previous_priorities` retry
 * adjustment that Istio's `retryRemoteLocalities` turns on.
 *
 * A level's availability is `min(100, 140 × healthy / hosts)` (integer percent; 140 is the default
 * overprovisioning factor, so a level with at least ~71.4% of its hosts healthy takes all the load it can).
 * Load goes to the levels in order, each taking `availability × 100 / Σavailability` (Σ capped at 100) of what
 * is left; the rounding remainder goes to the first available level. So P0 keeps 100% while healthy enough,
 * and spills over to P1, P2 ... as its health drops.
 *
 * Panic (`healthy_panic_threshold`, the outlier detection's `minHealthPercent` under Istio, 0 = never): only
 * while the levels together are below 100% available, a level with fewer than that percentage of healthy hosts
 * is in panic and balances over all its hosts; when every level is in panic, load follows host counts. With
 * panic off and nothing healthy at all, P0 takes the load (and finds no host: 503 UH).
 * @module
 */

/** Envoy's default overprovisioning factor, in percent. */
export const OVERPROVISIONING_FACTOR = 140;

/** Istio's `previous_priorities` update frequency for `retryRemoteLocalities` (route/retry/retry.go). */
export const RETRY_PRIORITY_UPDATE_FREQUENCY = 2;

/** Host counts of one priority level. */
export interface LevelHealth {
  readonly hosts: number;
  readonly healthy: number;
}

/** The load of each priority level and its panic state. */
export interface PriorityLoad {
  /** Percent of the traffic per level; sums to 100 when there is any level. */
  readonly load: readonly number[];
  /** Levels in panic: balance over all their hosts, healthy or not. */
  readonly panic: readonly boolean[];
  /** Each level's availability (0-100), before the load is spread. */
  readonly availability: readonly number[];
}

/** A level's availability: `min(100, 140 × healthy / hosts)`, integer percent. */
export function levelAvailability(level: LevelHealth): number {
  if (level.hosts <= 0) return 0;
  return Math.min(100, Math.floor((OVERPROVISIONING_FACTOR * level.healthy) / level.hosts));
}

/** Envoy's per-priority load and panic for `levels` under `panicThreshold` (percent, 0 = panic disabled). */
export function priorityLoad(levels: readonly LevelHealth[], panicThreshold: number): PriorityLoad {
  const availability = levels.map(levelAvailability);
  const total = Math.min(100, sum(availability));
  let load = spread(availability, total);
  const panic = levels.map(() => false);
  if (levels.length === 0) return { load, panic, availability };
  if (panicThreshold <= 0 && total === 0) {
    load = levels.map((_, i) => (i === 0 ? 100 : 0));
    return { load, panic, availability };
  }
  if (total < 100) {
    levels.forEach((level, i) => {
      const healthyPercent = level.hosts > 0 ? (100 * level.healthy) / level.hosts : 0;
      panic[i] = healthyPercent < panicThreshold;
    });
    if (panic.every(Boolean)) load = loadByHosts(levels);
  }
  return { load, panic, availability };
}

/**
 * The load for a retry under `previous_priorities` (Envoy): after every `updateFrequency` attempts, the levels
 * of the hosts attempted so far are excluded and the load is spread over the others' availability; before the
 * first update, or when nothing else is available, the original load applies. `attemptedLevels` holds the
 * level of each earlier attempt's host, oldest first.
 */
export function retryPriorityLoad(
  original: PriorityLoad,
  attemptedLevels: readonly number[],
  updateFrequency = RETRY_PRIORITY_UPDATE_FREQUENCY,
): readonly number[] {
  const n = attemptedLevels.length;
  if (n < updateFrequency) return original.load;
  const excluded = new Set(attemptedLevels.slice(0, n - (n % updateFrequency)));
  const adjusted = original.availability.map((a, i) => (excluded.has(i) ? 0 : a));
  const total = Math.min(100, sum(adjusted));
  if (total === 0) return original.load;
  const load = adjusted.map(() => 0);
  let left = 100;
  while (left > 0) {
    for (let i = 0; i < adjusted.length; i++) {
      const delta = Math.min(left, Math.floor((adjusted[i] * 100) / total));
      load[i] += delta;
      left -= delta;
    }
  }
  return load;
}

/** The level a draw in `1..100` falls in under `load` (Envoy `choosePriority`); 0 when none. */
export function choosePriority(load: readonly number[], draw: number): number {
  let upTo = 0;
  for (let i = 0; i < load.length; i++) {
    upTo += load[i];
    if (draw <= upTo) return i;
  }
  return 0;
}

/** Envoy `distributeLoad`: shares of 100 by availability, the remainder to the first available level. */
function spread(availability: readonly number[], total: number): number[] {
  const load = availability.map(() => 0);
  if (total === 0) return load;
  let left = 100;
  let first = -1;
  for (let i = 0; i < availability.length; i++) {
    if (first < 0 && availability[i] > 0) first = i;
    load[i] = Math.min(left, Math.floor((availability[i] * 100) / total));
    left -= load[i];
  }
  if (left > 0) load[first] += left;
  return load;
}

/** Envoy `recalculateLoadInTotalPanic`: shares by host count, the remainder to the first non-empty level. */
function loadByHosts(levels: readonly LevelHealth[]): number[] {
  const hosts = sum(levels.map((l) => l.hosts));
  if (hosts === 0) return levels.map((_, i) => (i === 0 ? 100 : 0));
  let left = 100;
  const load = levels.map((l) => {
    const share = Math.floor((100 * l.hosts) / hosts);
    left -= share;
    return share;
  });
  load[levels.findIndex((l) => l.hosts > 0)] += left;
  return load;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
