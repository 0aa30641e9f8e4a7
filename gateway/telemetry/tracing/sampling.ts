/**
 * Envoy's tracing decision (`ConnectionManagerUtility::mutateTracingRequestHeader` with the UUID request-id
 * extension, as Istio configures it): a decision already packed into the `x-request-id` (its 15th character:
 * `9` sampled, `a` forced, `b` client) is kept; otherwise `x-client-trace-id` forces a trace, then
 * `x-envoy-force-trace`, then random sampling on the request id's first 8 hex digits modulo 10000 against the
 * percentage in hundredths. The decision is packed back into the id, so the services behind the gateway and
 * their sidecars see it. With `useRequestIdForTraceSampling: false` every request is "sampled" for the tracer,
 * which then follows the caller's flag or traces.
 * @module
 */

/** Why a request is traced (Envoy's `Tracing::Reason`). */
export type TraceReason = "not_traceable" | "sampling" | "service_forced" | "client_forced";

/** The request facts the decision reads. */
export interface DecisionInput {
  /** The request's `x-request-id` (after the gateway generated or kept it). */
  readonly requestId: string | null;
  readonly clientTraceId: boolean;
  readonly forceTrace: boolean;
}

/** The decision, and the request id to send on (with the decision packed in). */
export interface Decision {
  readonly reason: TraceReason;
  readonly traced: boolean;
  readonly requestId: string | null;
}

const UUID_LENGTH = 36;
const REASON_POSITION = 14;
const PACKED: Readonly<Record<string, TraceReason>> = {
  "9": "sampling",
  "a": "service_forced",
  "b": "client_forced",
};
const CODE: Readonly<Record<TraceReason, string>> = {
  sampling: "9",
  service_forced: "a",
  client_forced: "b",
  not_traceable: "4",
};

/** The reason packed into a request id; `not_traceable` for anything else. */
export function packedReason(requestId: string | null): TraceReason {
  if (requestId === null || requestId.length !== UUID_LENGTH) return "not_traceable";
  return PACKED[requestId[REASON_POSITION]] ?? "not_traceable";
}

/** `requestId` with `reason` packed in; ids that are not UUID-sized are left alone. */
export function packReason(requestId: string, reason: TraceReason): string {
  if (requestId.length !== UUID_LENGTH) return requestId;
  return requestId.slice(0, REASON_POSITION) + CODE[reason] + requestId.slice(REASON_POSITION + 1);
}

/** Envoy's `getInteger`: the first 8 characters as a hex number; undefined when they are not one. */
function requestIdInteger(requestId: string | null): number | undefined {
  if (requestId === null || requestId.length < 8) return undefined;
  const head = requestId.slice(0, 8);
  return /^[0-9a-fA-F]{8}$/.test(head) ? parseInt(head, 16) : undefined;
}

/** A sampling percentage (0..100) as Envoy's numerator out of 10000. */
export function samplingNumerator(percent: number): number {
  return Math.min(10_000, Math.max(0, Math.round(percent * 100)));
}

/**
 * Decides whether the request is traced. `randomNumerator` is the random sampling rate out of 10000; client and
 * overall sampling are 100%, as Istio sets them.
 */
export function decideTrace(
  input: DecisionInput,
  randomNumerator: number,
  useRequestIdForTraceSampling: boolean,
): Decision {
  if (!useRequestIdForTraceSampling) return { reason: "sampling", traced: true, requestId: input.requestId };
  const value = requestIdInteger(input.requestId);
  if (value === undefined) return { reason: "not_traceable", traced: false, requestId: input.requestId };
  let reason = packedReason(input.requestId);
  if (reason === "not_traceable") {
    if (input.clientTraceId) reason = "client_forced";
    else if (input.forceTrace) reason = "service_forced";
    else if (value % 10_000 < randomNumerator) reason = "sampling";
    else return { reason, traced: false, requestId: input.requestId };
    return { reason, traced: true, requestId: packReason(input.requestId!, reason) };
  }
  return { reason, traced: true, requestId: input.requestId };
}
