/**
 * VirtualService `http[].fault`: Envoy's fault filter as istiod configures it (`TranslateFault`).
 *
 * What Istio generates and Envoy does, which this module reproduces:
 * - Delay and abort are independent: each rolls its own percentage. `delay.percentage.value` (double 0-100)
 *   becomes a fraction per million (`trunc(value * 10000)`); when it is absent the legacy integer
 *   `delay.percent` is used (per hundred), so a delay with neither affects no request.
 *   `abort.percentage` absent ⇒ no request is aborted (the API says so and istiod leaves Envoy's 0%).
 * - `fixedDelay` is truncated to whole milliseconds; a zero delay is no delay. `exponentialDelay` and
 *   `abort.http2Error` produce no fault (istiod drops them with a warning; validation rejects them).
 * - The delay comes first; the abort, if rolled, is answered after it. A delayed request records the
 *   response flag `DI`, an aborted one `FI` (both: `DI,FI`).
 * - An HTTP abort is a local reply with the configured status and the text body `fault filter abort`. A gRPC
 *   abort (`grpcStatus`) uses HTTP status 200 with the gRPC status: for a gRPC request (content-type
 *   `application/grpc` or `application/grpc+…`) that is a trailers-only reply (`content-type:
 *   application/grpc`, `grpc-status`, `grpc-message: fault filter abort`, no body); a non-gRPC request gets a
 *   plain `200` with the text body. An HTTP-status abort of a gRPC request is also answered the gRPC way, with
 *   the status mapped from the HTTP code (Envoy `httpToGrpcStatus`).
 *
 * Timeouts and retries. The API comment on `HTTPRoute.fault` says "timeouts or retries will not be enabled
 * when faults are enabled on the client side", but istiod does not remove them: the route keeps its
 * `timeout` and retry policy. What happens instead follows from Envoy's filter order (`…, fault, cors,
 * router`): the fault filter acts before the router, so an abort never reaches the router (no upstream
 * request, no retry, no route timeout), and a delay holds the request before the router starts; the route
 * timeout (and any retries) then apply to the upstream exchange after the delay, so a 7s delay does not by
 * itself trip a 3s route timeout at the gateway. A downstream client's own timeout does count the delay
 * (the bookinfo fault-injection task: productpage's 3s timeout + 1 retry fails against a 7s delay).
 * Also from that order: a request aborted by the fault filter gets no CORS headers, and CORS preflights are
 * delayed/aborted like any other request.
 * @module
 */
import type { HTTPFaultInjection } from "../config/kinds/networking/virtual_service.ts";
import { GRPC_STATUS_CODES } from "../config/kinds/networking/http_policy_rules.ts";
import { parseDuration } from "../config/duration.ts";

/** The body Envoy's fault filter answers an abort with. */
export const FAULT_ABORT_BODY = "fault filter abort";

/** The response flags the fault filter records: `DI` delay injected, `FI` fault (abort) injected. */
export type FaultFlag = "DI" | "FI";

/** How a request is aborted: an HTTP status, or a gRPC status (numeric code, 0-16). */
export type FaultAbort = { readonly status: number } | { readonly grpcStatus: number };

/** What the fault filter does to one request; empty when the request is left alone. */
export interface FaultDecision {
  /** Hold the request this many milliseconds before going on (flag `DI`). */
  readonly delayMs?: number;
  /** Answer locally with `abortResponse` instead of routing (after the delay, if any; flag `FI`). */
  readonly abort?: FaultAbort;
}

/** A fault policy compiled once per route. */
export interface CompiledFault {
  readonly delay?: { readonly ms: number; readonly perMillion: number };
  readonly abort?: { readonly kind: FaultAbort; readonly perMillion: number };
  /** Rolls the percentages: `random` (in [0, 1)) is called once for a configured delay, then once for a configured abort. */
  decide(random?: () => number): FaultDecision;
}

const MILLION = 1_000_000;

/** Istio's `translatePercentToFractionalPercent`: a 0-100 double as an integer fraction per million. */
function perMillion(value: number | undefined): number {
  const v = Math.trunc((value ?? 0) * 10_000);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Envoy's `featureEnabled` for a fraction per million. */
function roll(random: () => number, fraction: number): boolean {
  return Math.floor(random() * MILLION) < fraction;
}

/**
 * Compiles a route's fault policy; `undefined` when it injects nothing (istiod emits no fault config then).
 * @example compileFault({ abort: { httpStatus: 500, percentage: { value: 100 } } })?.decide() // { abort: { status: 500 } }
 */
export function compileFault(fault: HTTPFaultInjection | undefined): CompiledFault | undefined {
  if (!fault) return undefined;
  let delay: CompiledFault["delay"];
  const d = fault.delay;
  if (d?.fixedDelay !== undefined) {
    const ms = Math.floor(parseDuration(d.fixedDelay) ?? 0);
    const fraction = d.percentage ? perMillion(d.percentage.value) : Math.max(0, d.percent ?? 0) * 10_000;
    delay = { ms, perMillion: fraction };
  }
  let abort: CompiledFault["abort"];
  const a = fault.abort;
  if (a) {
    const fraction = a.percentage ? perMillion(a.percentage.value) : 0;
    if (a.httpStatus !== undefined) {
      // Envoy only accepts [200, 600) (istiod lets 600 through and Envoy then rejects the route): no abort.
      if (a.httpStatus >= 200 && a.httpStatus < 600) {
        abort = { kind: { status: a.httpStatus }, perMillion: fraction };
      }
    } else if (a.grpcStatus !== undefined) {
      const code = GRPC_STATUS_CODES.indexOf(a.grpcStatus);
      abort = { kind: { grpcStatus: code < 0 ? 0 : code }, perMillion: fraction };
    }
  }
  if (!delay && !abort) return undefined;
  return {
    delay,
    abort,
    decide(random = Math.random) {
      const delayed = delay !== undefined && roll(random, delay.perMillion) && delay.ms > 0;
      const aborted = abort !== undefined && roll(random, abort.perMillion);
      if (!delayed && !aborted) return NO_FAULT;
      return {
        ...(delayed ? { delayMs: delay!.ms } : {}),
        ...(aborted ? { abort: abort!.kind } : {}),
      };
    },
  };
}

const NO_FAULT: FaultDecision = Object.freeze({});
const COMPILED = new WeakMap<HTTPFaultInjection, CompiledFault | null>();

/**
 * Decides the fault for one request. Compiled policies are cached per `fault` object (routes are immutable),
 * so calling this on every request is cheap.
 * @example decideFault({ delay: { fixedDelay: "7s", percentage: { value: 100 } } }, Math.random) // { delayMs: 7000 }
 */
export function decideFault(
  fault: HTTPFaultInjection | undefined,
  random: () => number = Math.random,
): FaultDecision {
  if (!fault) return NO_FAULT;
  let compiled = COMPILED.get(fault);
  if (compiled === undefined) {
    compiled = compileFault(fault) ?? null;
    COMPILED.set(fault, compiled);
  }
  return compiled ? compiled.decide(random) : NO_FAULT;
}

/** The response flags a decision records, in Envoy's order (`DI` before `FI`). */
export function faultFlags(decision: FaultDecision): FaultFlag[] {
  const flags: FaultFlag[] = [];
  if (decision.delayMs !== undefined) flags.push("DI");
  if (decision.abort !== undefined) flags.push("FI");
  return flags;
}

/**
 * Waits out an injected delay. Resolves `true` when the delay elapsed, `false` as soon as `signal` aborts
 * (the client went away: Envoy then resets the stream and nothing is sent upstream).
 */
export function injectDelay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * True for requests Envoy treats as gRPC (content-type `application/grpc` exactly or `application/grpc+…`;
 * `application/grpc-web` is not).
 */
export function isGrpcRequest(headers: Headers): boolean {
  const ct = headers.get("content-type");
  if (ct === null || !ct.startsWith("application/grpc")) return false;
  return ct.length === 16 || ct[16] === "+";
}

/** Envoy's `Grpc::Utility::httpToGrpcStatus`. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

const ENCODER = new TextEncoder();

/**
 * Envoy's local reply for an injected abort (`sendLocalReply(code, "fault filter abort", grpcStatus)`), with
 * `server: istio-envoy`. The caller records the flag `FI` (see `faultFlags`).
 * @example abortResponse({ status: 555 }, req).status // 555, body "fault filter abort"
 */
export function abortResponse(abort: FaultAbort, request: { method: string; headers: Headers }): Response {
  const headers = new Headers({ server: "istio-envoy" });
  const httpStatus = "status" in abort ? abort.status : 200;
  if (isGrpcRequest(request.headers)) {
    const grpc = "grpcStatus" in abort ? abort.grpcStatus : httpToGrpcStatus(httpStatus);
    headers.set("content-type", "application/grpc");
    headers.set("grpc-status", String(grpc));
    if (request.method !== "HEAD") headers.set("grpc-message", FAULT_ABORT_BODY);
    return new Response(null, { status: 200, headers });
  }
  headers.set("content-type", "text/plain");
  const noBody = request.method === "HEAD" || httpStatus === 204 || httpStatus === 304 ||
    (httpStatus >= 100 && httpStatus < 200);
  return new Response(noBody ? null : ENCODER.encode(FAULT_ABORT_BODY), { status: httpStatus, headers });
}
