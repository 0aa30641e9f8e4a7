/**
 * Warmup (Envoy slow start) for ROUND_ROBIN and LEAST_REQUEST: while an endpoint is younger than the window its
 * weight is scaled by `max(minimumPercent / 100, timeFactor ^ (1 / aggression))`, where
 * `timeFactor = max(age, 1ms) / window`. Istio sets it from `loadBalancer.warmup {duration, minimumPercent,
 * aggression}` or the deprecated `warmupDurationSecs`; Envoy's defaults are 10% and 1.0.
 *
 * The age is measured from `LoadBalancerOptions.endpointAddedAt`, which the caller keeps (Envoy uses the time
 * the host was added, or last passed an active health check). Endpoints present when the gateway starts are
 * all equally young, so warmup changes nothing between them, as in Envoy.
 * @module
 */
import type { Endpoint } from "../../compile/types.ts";
import type { LoadBalancerSettings } from "../../config/kinds/networking/destination_rule.ts";
import { parseDuration } from "../../config/duration.ts";
import type { Clock } from "../clock.ts";

/** Resolved warmup settings. */
export interface Warmup {
  /** Slow start window in milliseconds. */
  readonly windowMs: number;
  /** Floor of the weight factor, in percent (Envoy `min_weight_percent`, default 10). */
  readonly minimumPercent: number;
  /** Ramp shape: 1 is linear, larger ramps up faster early (Envoy `aggression`, default 1.0). */
  readonly aggression: number;
}

/** The warmup in `settings` (`warmup` first, then `warmupDurationSecs`), or `undefined` when none. */
export function resolveWarmup(settings: LoadBalancerSettings | undefined): Warmup | undefined {
  const duration = settings?.warmup?.duration ?? settings?.warmupDurationSecs;
  const windowMs = duration === undefined ? undefined : parseDuration(duration);
  if (windowMs === undefined || windowMs <= 0) return undefined;
  const minimumPercent = settings?.warmup?.minimumPercent ?? 10;
  const aggression = settings?.warmup?.aggression ?? 1;
  return {
    windowMs,
    minimumPercent: Math.min(100, Math.max(0, minimumPercent)),
    // Envoy falls back to 1.0 for a non-positive or NaN aggression.
    aggression: aggression > 0 ? aggression : 1,
  };
}

/** The weight factor for an endpoint `ageMs` old: 1 once the window has passed. */
export function slowStartFactor(warmup: Warmup, ageMs: number): number {
  if (ageMs >= warmup.windowMs) return 1;
  const timeFactor = Math.max(1, ageMs) / warmup.windowMs;
  const ramped = warmup.aggression === 1 ? timeFactor : Math.pow(timeFactor, 1 / warmup.aggression);
  return Math.max(ramped, warmup.minimumPercent / 100);
}

/** Per-endpoint weight factors at the current time. */
export class SlowStart {
  readonly #warmup: Warmup;
  readonly #now: Clock;
  readonly #addedAt: (endpoint: Endpoint) => number | undefined;

  /** Factors under `warmup`, measuring ages with `now` from `addedAt`. */
  constructor(warmup: Warmup, now: Clock, addedAt: (endpoint: Endpoint) => number | undefined) {
    this.#warmup = warmup;
    this.#now = now;
    this.#addedAt = addedAt;
  }

  /** The factor for `endpoint` at `now` (1 when it has no join time or is past the window). */
  factor(endpoint: Endpoint, now: number = this.#now()): number {
    const added = this.#addedAt(endpoint);
    return added === undefined ? 1 : slowStartFactor(this.#warmup, now - added);
  }

  /** The factors of `endpoints` at one instant, or `undefined` when none is warming up. */
  factors(endpoints: readonly Endpoint[]): number[] | undefined {
    const now = this.#now();
    const factors = endpoints.map((e) => this.factor(e, now));
    return factors.every((f) => f === 1) ? undefined : factors;
  }
}
