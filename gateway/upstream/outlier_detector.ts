/**
 * Passive health checking (Envoy outlier detection) as Istio programs it from a DestinationRule's
 * `outlierDetection`, with an injected clock and no timers: the interval sweeps run lazily, at the sweep times
 * they would have had, whenever the detector is consulted.
 *
 * Detection (per endpoint, consecutive results; any success resets the counters):
 * - **consecutive 5xx**: `consecutive5xxErrors` (Envoy default 5 when unset; 0 disables it). 5xx responses,
 *   plus, without `splitExternalLocalOriginErrors`, local-origin failures mapped to codes: connect failure and
 *   reset → 503, timeout → 504.
 * - **consecutive gateway errors**: 502, 503, 504 (and the mapped local failures). Only enforced when
 *   `consecutiveGatewayErrors` is set above 0; otherwise detected (counted in stats) but never ejects, as Istio
 *   leaves Envoy's `enforcing_consecutive_gateway_failure` at 0.
 * - **consecutive local-origin failures**: only with `splitExternalLocalOriginErrors`; then connect failures,
 *   timeouts and resets count here (not as 5xx) and `consecutiveLocalOriginFailures` (default 5) applies, and
 *   any response resets the count (the connection succeeded).
 * - `outlierDetectionHttpErrorCodes`: further status codes counted as 5xx errors (Istio's API for Envoy's
 *   outlier `failure_matcher`).
 *
 * A counter triggers when it reaches its threshold exactly, and is reset when it triggers or the host comes
 * back; results for an already ejected host keep counting without re-ejecting it.
 *
 * Ejection: allowed only while `100 × (ejected + 1) / hosts ≤ maxEjectionPercent` (default 10, Istio reads 0
 * as unset). Since Envoy 1.31 this is strict: with fewer than 10 hosts and the default, nothing is ejected
 * (Envoy's `always_eject_one_host`, which Istio does not set, is the `alwaysEjectOneHost` option). An ejected
 * host stays out until the first sweep (every `interval`, default 10s) at which it has been out for
 * `min(baseEjectionTime × multiplier, max(300s, baseEjectionTime))`; the multiplier grows by one per ejection
 * (up to one step past the cap) and shrinks by one at each sweep at least an `interval` after the host came
 * back healthy.
 *
 * Panic (`minHealthPercent`, Envoy's `healthy_panic_threshold`; Istio sets 0, disabled, when unset): when
 * fewer than that percentage of the hosts are healthy, `healthy` returns every host, ejected or not.
 *
 * Not implemented: success-rate and failure-percentage detection (Istio disables their enforcement), the
 * deprecated `consecutiveErrors` (current Istio ignores it), ejection-time jitter (Envoy default 0).
 * @module
 */
import type { Endpoint } from "../compile/types.ts";
import type { OutlierDetection } from "../config/kinds/networking/destination_rule.ts";
import { parseDuration } from "../config/duration.ts";
import { type Clock, systemClock } from "./clock.ts";
import { endpointKey } from "./load_balancer/hash.ts";

/** A locally originated failure: the upstream could not be reached or did not answer. */
export type LocalOriginFailure = "connect_failure" | "timeout" | "reset";

/** The outcome of one attempt on an endpoint. */
export interface AttemptResult {
  /**
   * The response status, when a response arrived. For gRPC pass `grpcToHttpStatus(grpc-status)` when the HTTP
   * status is not already 5xx, as Envoy's router does.
   */
  readonly status?: number;
  /** Set instead of `status` when the attempt failed locally. */
  readonly localOrigin?: LocalOriginFailure;
}

/** The kinds of consecutive-error ejection. */
export type EjectionType =
  | "consecutive_5xx"
  | "consecutive_gateway_failure"
  | "consecutive_local_origin_failure";

/** Outlier detection settings after Istio's and Envoy's defaults. */
export interface ResolvedOutlierDetection {
  /** Consecutive 5xx before ejection (Envoy `consecutive_5xx`). */
  readonly consecutive5xx: number;
  /** Whether reaching `consecutive5xx` ejects (Envoy `enforcing_consecutive_5xx` 100 vs 0). */
  readonly enforcing5xx: boolean;
  /** Consecutive 502/503/504 before ejection (Envoy `consecutive_gateway_failure`). */
  readonly consecutiveGatewayFailure: number;
  /** Whether reaching `consecutiveGatewayFailure` ejects. */
  readonly enforcingGatewayFailure: boolean;
  /** Count local-origin failures separately from HTTP statuses. */
  readonly splitExternalLocalOriginErrors: boolean;
  /** Consecutive local-origin failures before ejection (split mode only). */
  readonly consecutiveLocalOriginFailure: number;
  /** Whether reaching `consecutiveLocalOriginFailure` ejects. */
  readonly enforcingLocalOriginFailure: boolean;
  /** Time between sweeps. */
  readonly intervalMs: number;
  /** Ejection time per ejection-multiplier step. */
  readonly baseEjectionTimeMs: number;
  /** Cap on the ejection time (Envoy `max_ejection_time`: 300s, or the base time if longer). */
  readonly maxEjectionTimeMs: number;
  /** 0..100. */
  readonly maxEjectionPercent: number;
  /** 0..100; 0 disables panic mode. */
  readonly minHealthPercent: number;
  /** Envoy `always_eject_one_host` (Istio: false). */
  readonly alwaysEjectOneHost: boolean;
  /** Extra status codes counted as 5xx errors. */
  readonly httpErrorCodes: ReadonlySet<number>;
}

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_BASE_EJECTION_MS = 30_000;
const DEFAULT_MAX_EJECTION_MS = 300_000;

function durationMs(text: string | undefined, fallback: number): number {
  const ms = text === undefined ? undefined : parseDuration(text);
  return ms === undefined || ms <= 0 ? fallback : ms;
}

/** Istio's translation of `outlierDetection` (cluster_traffic_policy.go) with Envoy's defaults filled in. */
export function resolveOutlierDetection(
  settings: OutlierDetection,
  options: { readonly alwaysEjectOneHost?: boolean } = {},
): ResolvedOutlierDetection {
  const c5xx = settings.consecutive5xxErrors ?? undefined;
  const gateway = settings.consecutiveGatewayErrors ?? undefined;
  const split = settings.splitExternalLocalOriginErrors === true;
  const local = settings.consecutiveLocalOriginFailures ?? 0;
  const baseEjectionTimeMs = durationMs(settings.baseEjectionTime, DEFAULT_BASE_EJECTION_MS);
  const maxEjection = settings.maxEjectionPercent ?? 0;
  const minHealth = settings.minHealthPercent ?? 0;
  return {
    consecutive5xx: c5xx ?? 5,
    enforcing5xx: c5xx === undefined || c5xx > 0,
    consecutiveGatewayFailure: gateway ?? 5,
    enforcingGatewayFailure: gateway !== undefined && gateway > 0,
    splitExternalLocalOriginErrors: split,
    consecutiveLocalOriginFailure: split && local > 0 ? local : 5,
    enforcingLocalOriginFailure: split,
    intervalMs: durationMs(settings.interval, DEFAULT_INTERVAL_MS),
    baseEjectionTimeMs,
    maxEjectionTimeMs: Math.max(DEFAULT_MAX_EJECTION_MS, baseEjectionTimeMs),
    maxEjectionPercent: maxEjection > 0 ? Math.min(100, maxEjection) : 10,
    minHealthPercent: Math.min(100, Math.max(0, minHealth)),
    alwaysEjectOneHost: options.alwaysEjectOneHost ?? false,
    httpErrorCodes: new Set(settings.outlierDetectionHttpErrorCodes ?? []),
  };
}

/** Envoy's gRPC status → HTTP status mapping (`Grpc::Utility::grpcToHttpStatus`). */
export function grpcToHttpStatus(grpcStatus: number): number {
  switch (grpcStatus) {
    case 0:
      return 200;
    case 1:
      return 499;
    case 3:
    case 9:
    case 11:
      return 400;
    case 4:
      return 504;
    case 5:
      return 404;
    case 6:
    case 10:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 12:
      return 501;
    case 14:
      return 503;
    case 16:
      return 401;
    default:
      return 500;
  }
}

/** Ejection counters, named after Envoy's `outlier_detection.*` stats. */
export interface OutlierStats {
  /** Hosts ejected now (`ejections_active`). */
  readonly ejectionsActive: number;
  /** Ejections carried out (`ejections_enforced_total`). */
  readonly ejectionsEnforcedTotal: number;
  /** Ejections carried out, per type (`ejections_enforced_<type>`). */
  readonly ejectionsEnforced: Readonly<Record<EjectionType, number>>;
  /** Thresholds reached, enforced or not (`ejections_detected_<type>`). */
  readonly ejectionsDetected: Readonly<Record<EjectionType, number>>;
  /** Ejections refused by `maxEjectionPercent` (`ejections_overflow`). */
  readonly ejectionsOverflow: number;
}

/** What the detector knows about one endpoint (for admin output and tests). */
export interface HostOutlierState {
  /** Currently ejected. */
  readonly ejected: boolean;
  /** Times the host was ejected. */
  readonly numEjections: number;
  /** Current ejection-time multiplier. */
  readonly ejectTimeMultiplier: number;
  /** Clock time of the last ejection. */
  readonly lastEjectionAt?: number;
  /** Clock time (a sweep's) of the last return to service. */
  readonly lastUnejectionAt?: number;
  /** Current consecutive 5xx count. */
  readonly consecutive5xx: number;
  /** Current consecutive gateway-error count. */
  readonly consecutiveGatewayFailure: number;
  /** Current consecutive local-origin failure count. */
  readonly consecutiveLocalOriginFailure: number;
}

class HostMonitor {
  consecutive5xx = 0;
  consecutiveGateway = 0;
  consecutiveLocal = 0;
  ejected = false;
  numEjections = 0;
  multiplier = 0;
  lastEjectionAt: number | undefined;
  lastUnejectionAt: number | undefined;
}

const zeroByType = (): Record<EjectionType, number> => ({
  consecutive_5xx: 0,
  consecutive_gateway_failure: 0,
  consecutive_local_origin_failure: 0,
});

/** Options of the detector. */
export interface OutlierDetectorOptions {
  /** Clock (milliseconds); `Date.now` by default. */
  readonly now?: Clock;
  /** Envoy `always_eject_one_host`: permit one ejection even above `maxEjectionPercent`. */
  readonly alwaysEjectOneHost?: boolean;
}

/** Outlier detection for one cluster. Endpoints are identified by `address:port`. */
export class OutlierDetector {
  /** The settings in force. */
  readonly config: ResolvedOutlierDetection;
  readonly #now: Clock;
  readonly #hosts = new Map<string, HostMonitor>();
  #nextSweepAt: number;
  #active = 0;
  #enforcedTotal = 0;
  #overflow = 0;
  readonly #enforced = zeroByType();
  readonly #detected = zeroByType();

  /** A detector for `endpoints`; the first sweep is one `interval` from now. */
  constructor(
    settings: OutlierDetection | ResolvedOutlierDetection,
    endpoints: readonly Endpoint[],
    options: OutlierDetectorOptions = {},
  ) {
    this.config = "intervalMs" in settings ? settings : resolveOutlierDetection(settings, options);
    this.#now = options.now ?? systemClock;
    this.#nextSweepAt = this.#now() + this.config.intervalMs;
    this.setEndpoints(endpoints);
  }

  /** Replaces the cluster's membership: new endpoints start clean, removed ones are forgotten. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    const keep = new Set(endpoints.map(endpointKey));
    for (const [key, host] of this.#hosts) {
      if (keep.has(key)) continue;
      if (host.ejected) this.#active--;
      this.#hosts.delete(key);
    }
    for (const key of keep) if (!this.#hosts.has(key)) this.#hosts.set(key, new HostMonitor());
  }

  /** Records the outcome of an attempt on `endpoint`, possibly ejecting it at once. */
  recordResult(endpoint: Endpoint, outcome: AttemptResult, now: number = this.#now()): void {
    this.#advance(now);
    const host = this.#hosts.get(endpointKey(endpoint));
    if (host === undefined) return;
    const cfg = this.config;
    if (outcome.localOrigin !== undefined) {
      if (cfg.splitExternalLocalOriginErrors) {
        if (++host.consecutiveLocal === cfg.consecutiveLocalOriginFailure) {
          this.#onConsecutiveError(host, "consecutive_local_origin_failure", now);
        }
        return;
      }
      this.#putStatus(host, outcome.localOrigin === "timeout" ? 504 : 503, now);
      return;
    }
    if (outcome.status === undefined) return;
    // A response means the connection worked.
    if (cfg.splitExternalLocalOriginErrors) host.consecutiveLocal = 0;
    const status = outcome.status;
    this.#putStatus(host, status < 500 && cfg.httpErrorCodes.has(status) ? 500 : status, now);
  }

  /** Whether `endpoint` is ejected at `now`. */
  isEjected(endpoint: Endpoint, now: number = this.#now()): boolean {
    this.#advance(now);
    return this.#hosts.get(endpointKey(endpoint))?.ejected ?? false;
  }

  /** The endpoints of `endpoints` that are ejected at `now` (an `exclude` set for a balancer). */
  ejected(endpoints: readonly Endpoint[], now: number = this.#now()): Set<Endpoint> {
    this.#advance(now);
    return new Set(endpoints.filter((e) => this.#hosts.get(endpointKey(e))?.ejected));
  }

  /** Whether `endpoints` are in panic at `now`: fewer than `minHealthPercent` of them healthy. */
  isPanic(endpoints: readonly Endpoint[], now: number = this.#now()): boolean {
    this.#advance(now);
    if (this.config.minHealthPercent <= 0 || endpoints.length === 0) return false;
    const healthy = endpoints.filter((e) => !this.#hosts.get(endpointKey(e))?.ejected).length;
    return (100 * healthy) / endpoints.length < this.config.minHealthPercent;
  }

  /**
   * The endpoints to balance over at `now`: those not ejected, or all of them in panic mode. Empty when every
   * endpoint is ejected and panic mode is off (the caller answers 503 UH, "no healthy upstream").
   */
  healthy(endpoints: readonly Endpoint[], now: number = this.#now()): readonly Endpoint[] {
    if (this.isPanic(endpoints, now)) return endpoints;
    return endpoints.filter((e) => !this.#hosts.get(endpointKey(e))?.ejected);
  }

  /** Runs the interval sweeps due by `now` (every query does this too). */
  sweep(now: number = this.#now()): void {
    this.#advance(now);
  }

  /** The state of `endpoint`, or `undefined` when it is not a member. */
  hostState(endpoint: Endpoint, now: number = this.#now()): HostOutlierState | undefined {
    this.#advance(now);
    const h = this.#hosts.get(endpointKey(endpoint));
    if (h === undefined) return undefined;
    return {
      ejected: h.ejected,
      numEjections: h.numEjections,
      ejectTimeMultiplier: h.multiplier,
      lastEjectionAt: h.lastEjectionAt,
      lastUnejectionAt: h.lastUnejectionAt,
      consecutive5xx: h.consecutive5xx,
      consecutiveGatewayFailure: h.consecutiveGateway,
      consecutiveLocalOriginFailure: h.consecutiveLocal,
    };
  }

  /** Ejection counters. */
  get ejections(): OutlierStats {
    return {
      ejectionsActive: this.#active,
      ejectionsEnforcedTotal: this.#enforcedTotal,
      ejectionsEnforced: { ...this.#enforced },
      ejectionsDetected: { ...this.#detected },
      ejectionsOverflow: this.#overflow,
    };
  }

  /** Envoy `putHttpResponseCode`. */
  #putStatus(host: HostMonitor, status: number, now: number): void {
    const cfg = this.config;
    if (status < 500 || status > 599) {
      host.consecutive5xx = 0;
      host.consecutiveGateway = 0;
      return;
    }
    if (status === 502 || status === 503 || status === 504) {
      if (++host.consecutiveGateway === cfg.consecutiveGatewayFailure) {
        this.#onConsecutiveError(host, "consecutive_gateway_failure", now);
      }
    } else {
      host.consecutiveGateway = 0;
    }
    if (++host.consecutive5xx === cfg.consecutive5xx) this.#onConsecutiveError(host, "consecutive_5xx", now);
  }

  #onConsecutiveError(host: HostMonitor, type: EjectionType, now: number): void {
    if (host.ejected) return;
    this.#detected[type]++;
    this.#eject(host, type, now);
    if (type === "consecutive_5xx") host.consecutive5xx = 0;
    else if (type === "consecutive_gateway_failure") host.consecutiveGateway = 0;
    else host.consecutiveLocal = 0;
  }

  #eject(host: HostMonitor, type: EjectionType, now: number): void {
    const cfg = this.config;
    const percent = (100 * (this.#active + 1)) / this.#hosts.size;
    const allowed = percent <= cfg.maxEjectionPercent || (cfg.alwaysEjectOneHost && this.#active === 0);
    if (!allowed) {
      this.#overflow++;
      return;
    }
    const enforced = type === "consecutive_5xx"
      ? cfg.enforcing5xx
      : type === "consecutive_gateway_failure"
      ? cfg.enforcingGatewayFailure
      : cfg.enforcingLocalOriginFailure;
    if (!enforced) return;
    this.#active++;
    this.#enforcedTotal++;
    this.#enforced[type]++;
    host.ejected = true;
    host.numEjections++;
    host.lastEjectionAt = now;
    if (host.multiplier * cfg.baseEjectionTimeMs < cfg.maxEjectionTimeMs + cfg.baseEjectionTimeMs) {
      host.multiplier++;
    }
  }

  /** Runs every sweep scheduled at or before `now`. */
  #advance(now: number): void {
    const interval = this.config.intervalMs;
    while (this.#nextSweepAt <= now) {
      this.#sweepAt(this.#nextSweepAt);
      this.#nextSweepAt += interval;
      if (this.#nextSweepAt <= now && this.#quiet()) {
        // Nothing can change at the remaining sweeps: jump to the first one after `now`.
        this.#nextSweepAt += (Math.floor((now - this.#nextSweepAt) / interval) + 1) * interval;
      }
    }
  }

  /** True when no host is ejected and no multiplier is left to decay. */
  #quiet(): boolean {
    if (this.#active > 0) return false;
    for (const h of this.#hosts.values()) if (h.multiplier > 0) return false;
    return true;
  }

  /** Envoy `onIntervalTimer`: un-eject hosts whose time is up, then decay the multiplier of healthy hosts. */
  #sweepAt(at: number): void {
    const cfg = this.config;
    for (const h of this.#hosts.values()) {
      if (!h.ejected) continue;
      const ejectionMs = Math.min(cfg.baseEjectionTimeMs * h.multiplier, cfg.maxEjectionTimeMs);
      if (ejectionMs <= at - h.lastEjectionAt!) {
        h.ejected = false;
        this.#active--;
        h.consecutive5xx = 0;
        h.consecutiveGateway = 0;
        h.consecutiveLocal = 0;
        h.lastUnejectionAt = at;
      }
    }
    for (const h of this.#hosts.values()) {
      if (h.ejected || h.lastUnejectionAt === undefined || h.multiplier === 0) continue;
      if (at - h.lastUnejectionAt >= cfg.intervalMs) h.multiplier--;
    }
  }
}

/** A detector when `settings` is present (outlier detection is off without the block), else `undefined`. */
export function createOutlierDetector(
  settings: OutlierDetection | undefined,
  endpoints: readonly Endpoint[],
  options: OutlierDetectorOptions = {},
): OutlierDetector | undefined {
  return settings === undefined ? undefined : new OutlierDetector(settings, endpoints, options);
}
