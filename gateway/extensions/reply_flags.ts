/**
 * Envoy response flags for a filter's local reply. A Proxy-Wasm filter has no call to set response flags, so
 * the gateway derives them from the reply's response code details, using the details Envoy's own filters give
 * for the same outcome: a rate-limit filter answering with details `local_rate_limited` (Envoy's
 * local_ratelimit) or `request_rate_limited` (Envoy's ratelimit) gets flag `RL`, as those filters set.
 * @module
 */

const FLAG_BY_DETAILS: ReadonlyMap<string, string> = new Map([
  ["local_rate_limited", "RL"],
  ["request_rate_limited", "RL"],
]);

/** The response flag a local reply with `details` carries, if any. */
export function localReplyFlag(details: string): string | undefined {
  return FLAG_BY_DETAILS.get(details);
}
