/**
 * The webhook's rules for the fault injection and retry policies of a VirtualService HTTP route
 * (istiod `validateHTTPFaultInjection`, `agent.ValidateHTTPRetry`).
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { validateDuration } from "../../duration.ts";
import { goFloat } from "./route_rules.ts";
import type { HTTPFaultInjection, HTTPRetry } from "./virtual_service.ts";

function percentageError(value: number | undefined): string | undefined {
  const v = value ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    return `percentage ${goFloat(v)} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}

/** gRPC status names istiod accepts for `fault.abort.grpcStatus`. */
export const GRPC_STATUS_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** istiod's `validateHTTPStatus` (which lets 600 through). */
export function httpStatusError(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

/** istiod's `validateHTTPFaultInjection`. */
export function validateFault(fault: HTTPFaultInjection | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!fault) return;
  if (!fault.abort && !fault.delay) ctx.report(at, "HTTP fault injection must have an abort and/or a delay");
  const abort = fault.abort;
  if (abort) {
    const p = [...at, "abort"];
    const pctErr = abort.percentage && percentageError(abort.percentage.value);
    if (pctErr) ctx.report([...p, "percentage", "value"], pctErr);
    if (abort.grpcStatus !== undefined) {
      if (!GRPC_STATUS_CODES.includes(abort.grpcStatus)) {
        ctx.report(
          [...p, "grpcStatus"],
          `gRPC status ${
            JSON.stringify(abort.grpcStatus)
          } is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
        );
      }
    } else if (abort.http2Error !== undefined) {
      ctx.report([...p, "http2Error"], "HTTP/2 abort fault injection not supported yet");
    } else if (abort.httpStatus !== undefined) {
      const err = httpStatusError(abort.httpStatus);
      if (err) ctx.report([...p, "httpStatus"], err);
    } else ctx.report(p, "abort configured, but error type not set", "warning");
  }
  const delay = fault.delay;
  if (delay) {
    const p = [...at, "delay"];
    const pctErr = delay.percentage && percentageError(delay.percentage.value);
    if (pctErr) ctx.report([...p, "percentage", "value"], pctErr);
    validateDuration(delay.fixedDelay, [...p, "fixedDelay"], ctx);
    if (delay.exponentialDelay !== undefined) {
      validateDuration(delay.exponentialDelay, [...p, "exponentialDelay"], ctx);
      ctx.report([...p, "exponentialDelay"], "exponentialDelay not supported yet");
    }
  }
}

/**
 * The `retryOn` conditions istiod accepts besides status codes (Envoy `x-envoy-retry-on` and
 * `x-envoy-retry-grpc-on` values); the data path retries on the same ones.
 */
export const RETRY_ON_POLICIES = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "envoy-ratelimited",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
] as const;
const RETRY_ON_POLICY_SET: ReadonlySet<string> = new Set(RETRY_ON_POLICIES);

/**
 * The HTTP status codes Go's `net/http.StatusText` knows: what istiod accepts as a numeric `retryOn` entry. (The
 * mesh's `statusOnError` is checked against Envoy's `StatusCode` enum instead, a different list: see providers.ts.)
 */
export const KNOWN_HTTP_STATUS_CODES: ReadonlySet<number> = new Set([
  100,
  101,
  102,
  103,
  200,
  201,
  202,
  203,
  204,
  205,
  206,
  207,
  208,
  226,
  300,
  301,
  302,
  303,
  304,
  305,
  307,
  308,
  400,
  401,
  402,
  403,
  404,
  405,
  406,
  407,
  408,
  409,
  410,
  411,
  412,
  413,
  414,
  415,
  416,
  417,
  418,
  421,
  422,
  423,
  424,
  425,
  426,
  428,
  429,
  431,
  451,
  500,
  501,
  502,
  503,
  504,
  505,
  506,
  507,
  508,
  510,
  511,
]);

/** istiod's `agent.ValidateHTTPRetry`. */
export function validateRetry(retries: HTTPRetry | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!retries) return;
  const attempts = retries.attempts ?? 0;
  if (attempts < 0) ctx.report([...at, "attempts"], "attempts cannot be negative");
  if (
    attempts === 0 &&
    (retries.perTryTimeout !== undefined || !!retries.retryOn || retries.retryRemoteLocalities !== undefined)
  ) {
    ctx.report(at, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  validateDuration(retries.perTryTimeout, [...at, "perTryTimeout"], ctx);
  if (retries.retryOn) {
    for (const policy of retries.retryOn.split(",")) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0;
      if (!KNOWN_HTTP_STATUS_CODES.has(code) && !RETRY_ON_POLICY_SET.has(policy)) {
        ctx.report([...at, "retryOn"], `${JSON.stringify(policy)} is not a valid retryOn policy`);
      }
    }
  }
  validateDuration(retries.backoff, [...at, "backoff"], ctx);
}
