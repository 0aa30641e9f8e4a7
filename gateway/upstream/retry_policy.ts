/**
 * Route retries as Istio compiles `http[].retries` (route/retry/retry.go) and Envoy's router applies them:
 * `resolveRetryPolicy` (the policy of a route), `shouldRetry` (whether an attempt's outcome is retriable),
 * `backoffMs` (Envoy's fully jittered exponential backoff) and `RetryState` (one request's retry budget, in
 * Envoy's order: retriable? → retries left? → circuit breaker `maxRetries`?).
 *
 * Defaults: a route without `retries` takes `meshConfig.defaultHttpRetryPolicy`, and without that Istio's
 * default: 2 retries on `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with no
 * status codes (Istio ≤ 1.23 also retried 503: `retry503ByDefault`), retrying on another host
 * (`previous_hosts`, up to 5 selection attempts) unless the destination uses consistent hashing. An explicit
 * policy starts from that default and overrides it; `attempts: 0` (or less) disables retries.
 *
 * `retriable-headers` retries when the response carries one of `retriableHeaderNames`, which Istio's API cannot
 * set (Envoy reads them from route config or the `x-envoy-retriable-header-names` request header, which a
 * gateway strips from external requests), so it never matches for Istio-configured routes.
 * `http3-post-connect-failure` never matches (no HTTP/3 upstreams). Not handled here: Envoy's `x-envoy-retry-on`
 * family of request headers, retry budgets (`trafficPolicy.retryBudget`), rate-limited backoff (`Retry-After`),
 * and the router's own limits (no retry once the response to the client has started or when the request body
 * was too large to buffer).
 * @module
 */
import type { HTTPRetry } from "../config/kinds/networking/virtual_service.ts";
import { KNOWN_HTTP_STATUS_CODES, RETRY_ON_POLICIES } from "../config/kinds/networking/http_policy_rules.ts";
import type { HttpRetryPolicy } from "../config/mesh/types.ts";
import { parseDuration } from "../config/duration.ts";
import type { CircuitBreaker } from "./circuit_breaker.ts";
import { type Random, randomIndex, systemRandom } from "./clock.ts";
import type { HeaderLookup } from "./load_balancer/hash_key.ts";

/** One `retryOn` condition. */
export type RetryCondition = typeof RETRY_ON_POLICIES[number];

const CONDITIONS: ReadonlySet<string> = new Set(RETRY_ON_POLICIES);

/** Istio's default `retry_on` (route/retry/retry.go `defaultPolicy`). */
export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/** A route's compiled retry policy. */
export interface RetryPolicy {
  /** Retries after the first attempt (Envoy `num_retries`); 0 = no retries. */
  readonly numRetries: number;
  /** Timeout of each attempt (`perTryTimeout`); `undefined` = only the route timeout applies. */
  readonly perTryTimeoutMs?: number;
  /** The conditions that make an outcome retriable. */
  readonly retryOn: ReadonlySet<RetryCondition>;
  /** Statuses for `retriable-status-codes` (integers in `retryOn`). */
  readonly retriableStatusCodes: ReadonlySet<number>;
  /** Response header names for `retriable-headers` (Istio cannot set any). */
  readonly retriableHeaderNames: readonly string[];
  /**
   * Retry in other localities (Envoy `previous_priorities`, update frequency 2): pass it with the attempted
   * hosts in the balancer's `LbContext` (`retryRemoteLocalities`, `attempted`); see `locality.ts`.
   */
  readonly retryRemoteLocalities: boolean;
  /** Prefer hosts not tried yet (Envoy `previous_hosts` predicate). */
  readonly retryIgnorePreviousHosts: boolean;
  /** Host choices per retry when avoiding previous hosts (Envoy `host_selection_retry_max_attempts`). */
  readonly hostSelectionMaxAttempts: number;
  /** Backoff base interval (Envoy default 25ms, `retries.backoff`). */
  readonly backoffBaseMs: number;
  /** Backoff cap (10 × base). */
  readonly backoffMaxMs: number;
}

/** The policy of a route whose retries are disabled. */
export const NO_RETRIES: RetryPolicy = Object.freeze({
  numRetries: 0,
  retryOn: new Set<RetryCondition>(),
  retriableStatusCodes: new Set<number>(),
  retriableHeaderNames: [],
  retryRemoteLocalities: false,
  retryIgnorePreviousHosts: false,
  hostSelectionMaxAttempts: 5,
  backoffBaseMs: 25,
  backoffMaxMs: 250,
});

/** The `HTTPRetry` fields a policy is built from (route `retries` or mesh `defaultHttpRetryPolicy`). */
export type RetryInput = Pick<
  HTTPRetry,
  "attempts" | "perTryTimeout" | "retryOn" | "retryRemoteLocalities" | "retryIgnorePreviousHosts" | "backoff"
>;

/** Options of `resolveRetryPolicy`. */
export interface ResolveRetryOptions {
  /** The route's destination uses consistent hashing: no `previous_hosts` unless the policy asks for it. */
  readonly consistentHash?: boolean;
  /** Istio ≤ 1.23 behaviour: the default policy also retries 503 (`retriableStatusCodes: [503]`). */
  readonly retry503ByDefault?: boolean;
}

/**
 * Splits `retryOn` into conditions and status codes (Istio `parseRetryOn`): integers Go's `net/http` knows are
 * status codes, and imply `retriable-status-codes`; unknown words are ignored, as Envoy ignores them.
 */
export function parseRetryOn(text: string): { retryOn: Set<RetryCondition>; statusCodes: Set<number> } {
  const retryOn = new Set<RetryCondition>();
  const statusCodes = new Set<number>();
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    if (/^[+-]?\d+$/.test(part) && KNOWN_HTTP_STATUS_CODES.has(Number(part))) statusCodes.add(Number(part));
    else if (CONDITIONS.has(part)) retryOn.add(part as RetryCondition);
  }
  if (statusCodes.size > 0) retryOn.add("retriable-status-codes");
  return { retryOn, statusCodes };
}

/**
 * The retry policy of a route: its `retries`, else the mesh default, else Istio's default; `NO_RETRIES` when
 * the applicable policy has `attempts` ≤ 0 (so an explicit `retries: {}` disables retries too).
 */
export function resolveRetryPolicy(
  route: RetryInput | undefined,
  meshDefault?: HttpRetryPolicy | RetryInput,
  options: ResolveRetryOptions = {},
): RetryPolicy {
  const defaults = parseRetryOn(DEFAULT_RETRY_ON);
  if (options.retry503ByDefault) defaults.statusCodes.add(503);
  const base: RetryPolicy = {
    numRetries: 2,
    retryOn: defaults.retryOn,
    retriableStatusCodes: defaults.statusCodes,
    retriableHeaderNames: [],
    retryRemoteLocalities: false,
    retryIgnorePreviousHosts: !options.consistentHash,
    hostSelectionMaxAttempts: 5,
    backoffBaseMs: 25,
    backoffMaxMs: 250,
  };
  const input = route ?? meshDefault;
  if (input === undefined) return base;
  if ((input.attempts ?? 0) <= 0) return NO_RETRIES;
  let retryOn = base.retryOn;
  let retriableStatusCodes = base.retriableStatusCodes;
  if (input.retryOn) {
    const parsed = parseRetryOn(input.retryOn);
    retryOn = parsed.retryOn;
    retriableStatusCodes = parsed.statusCodes;
  }
  const perTry = input.perTryTimeout === undefined ? undefined : parseDuration(input.perTryTimeout);
  const backoff = input.backoff === undefined ? undefined : parseDuration(input.backoff);
  const backoffBaseMs = backoff === undefined || backoff <= 0 ? 25 : Math.max(1, Math.round(backoff));
  return {
    ...base,
    numRetries: input.attempts!,
    retryOn,
    retriableStatusCodes,
    ...(perTry !== undefined && perTry > 0 ? { perTryTimeoutMs: perTry } : {}),
    retryRemoteLocalities: input.retryRemoteLocalities === true,
    retryIgnorePreviousHosts: input.retryIgnorePreviousHosts ?? base.retryIgnorePreviousHosts,
    backoffBaseMs,
    backoffMaxMs: backoffBaseMs * 10,
  };
}

/** Why an attempt ended without a response (Envoy `StreamResetReason`, plus per-try timeout). */
export type ResetReason =
  /** TCP or TLS connect failed (refused, unreachable, handshake error). */
  | "connect_failure"
  /** The connect timeout (`tcp.connectTimeout`) expired. */
  | "connect_timeout"
  /** HTTP/2 REFUSED_STREAM. */
  | "refused_stream"
  /** The upstream reset the stream or closed the connection before a response. */
  | "remote_reset"
  | "connection_termination"
  /** The gateway reset the stream (for instance an upstream protocol error). */
  | "local_reset"
  | "protocol_error"
  /** `perTryTimeout` expired. */
  | "per_try_timeout"
  /** A circuit breaker refused the attempt (503 UO): never retried. */
  | "overflow";

/** The outcome of one attempt, as far as retry decisions go. */
export type AttemptOutcome =
  | {
    readonly kind: "response";
    readonly status: number;
    /** Response headers (`x-envoy-ratelimited`, `grpc-status`, retriable headers). */
    readonly headers?: HeaderLookup;
  }
  | {
    readonly kind: "reset";
    readonly reason: ResetReason;
    /** Whether any of the request had been sent upstream (`reset-before-request` needs it false). */
    readonly requestSent?: boolean;
  };

const GRPC_CONDITIONS: ReadonlyMap<number, RetryCondition> = new Map([
  [1, "cancelled"],
  [4, "deadline-exceeded"],
  [8, "resource-exhausted"],
  [13, "internal"],
  [14, "unavailable"],
]);

/** Whether `policy` retries an attempt that ended with `outcome` (Envoy `wouldRetryFromHeaders/FromReset`). */
export function shouldRetry(policy: RetryPolicy, outcome: AttemptOutcome): boolean {
  const on = policy.retryOn;
  if (on.size === 0) return false;
  if (outcome.kind === "reset") {
    const reason = outcome.reason;
    if (reason === "overflow") return false;
    if ((reason === "connect_failure" || reason === "connect_timeout") && on.has("connect-failure")) {
      return true;
    }
    if (on.has("reset-before-request") && !outcome.requestSent) return true;
    if (on.has("reset") || on.has("5xx") || on.has("gateway-error")) return true;
    return reason === "refused_stream" && on.has("refused-stream");
  }
  const status = outcome.status;
  const headers = outcome.headers;
  // A response from an upstream Envoy's rate limiter is retried under `envoy-ratelimited` only.
  if (headers?.get("x-envoy-ratelimited") != null) return on.has("envoy-ratelimited");
  if (on.has("5xx") && status >= 500 && status <= 599) return true;
  if (on.has("gateway-error") && status >= 502 && status <= 504) return true;
  if (on.has("retriable-4xx") && status === 409) return true;
  if (on.has("retriable-status-codes") && policy.retriableStatusCodes.has(status)) return true;
  if (on.has("retriable-headers") && headers !== undefined) {
    if (policy.retriableHeaderNames.some((name) => headers.get(name) != null)) return true;
  }
  const grpc = headers?.get("grpc-status");
  if (grpc != null && /^\d+$/.test(grpc.trim())) {
    const condition = GRPC_CONDITIONS.get(Number(grpc.trim()));
    if (condition !== undefined && on.has(condition)) return true;
  }
  return false;
}

/**
 * The wait before retry number `retry` (1 for the first retry): uniform in
 * `[0, min(base × 2^(retry−1), max))` whole milliseconds (Envoy's `JitteredExponentialBackOffStrategy`: with
 * the defaults 0–24, 0–49, 0–99, 0–199, then 0–249 ms).
 */
export function backoffMs(
  policy: Pick<RetryPolicy, "backoffBaseMs" | "backoffMaxMs">,
  retry: number,
  random: Random = systemRandom,
): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const ceiling = Math.min(policy.backoffBaseMs * 2 ** Math.min(exponent, 52), policy.backoffMaxMs);
  return randomIndex(random, Math.max(1, Math.floor(ceiling)));
}

/** The answer of `RetryState.next`. */
export type RetryDecision =
  | { readonly retry: true; readonly backoffMs: number; readonly retryNumber: number }
  | {
    readonly retry: false;
    /**
     * `not_retriable`: the policy does not retry this outcome; `limit_exceeded`: retries used up (the response
     * flag URX); `overflow`: the cluster's `maxRetries` circuit breaker is full (Envoy
     * `upstream_rq_retry_overflow`): the outcome goes to the client as it is.
     */
    readonly reason: "not_retriable" | "limit_exceeded" | "overflow";
  };

/**
 * One request's retries. Call `next` with each failed (or any) attempt's outcome; a retry holds the cluster's
 * `retries` resource from when it is scheduled until the next `next` or `finish`, as Envoy counts active
 * retries.
 */
export class RetryState {
  /** The route's policy. */
  readonly policy: RetryPolicy;
  readonly #breaker: Pick<CircuitBreaker, "tryAcquire" | "release"> | undefined;
  readonly #random: Random;
  #remaining: number;
  #used = 0;
  #holding = false;

  /** A fresh budget of `policy.numRetries` retries, drawing `retries` slots from `breaker` when given. */
  constructor(
    policy: RetryPolicy,
    options: { readonly breaker?: Pick<CircuitBreaker, "tryAcquire" | "release">; readonly random?: Random } =
      {},
  ) {
    this.policy = policy;
    this.#breaker = options.breaker;
    this.#random = options.random ?? systemRandom;
    this.#remaining = policy.numRetries;
  }

  /** Retries scheduled so far. */
  get retriesUsed(): number {
    return this.#used;
  }

  /** Whether to retry after `outcome`, and after how long. */
  next(outcome: AttemptOutcome): RetryDecision {
    this.#release();
    if (!shouldRetry(this.policy, outcome)) return { retry: false, reason: "not_retriable" };
    if (this.#remaining === 0) return { retry: false, reason: "limit_exceeded" };
    this.#remaining--;
    if (this.#breaker !== undefined) {
      if (!this.#breaker.tryAcquire("retries")) return { retry: false, reason: "overflow" };
      this.#holding = true;
    }
    this.#used++;
    return {
      retry: true,
      retryNumber: this.#used,
      backoffMs: backoffMs(this.policy, this.#used, this.#random),
    };
  }

  /** Ends the request: releases a held retry resource. */
  finish(): void {
    this.#release();
  }

  #release(): void {
    if (this.#holding) {
      this.#breaker!.release("retries");
      this.#holding = false;
    }
  }
}
