/**
 * Envoy's response flags: as bits (the CEL attribute `response.flags` is their bitmask, in Envoy's
 * `CoreResponseFlag` order) and by their long names.
 * @module
 */

/** Short and long names of Envoy's response flags, in bit order. */
const FLAGS: readonly (readonly [string, string])[] = [
  ["LH", "FailedLocalHealthCheck"],
  ["UH", "NoHealthyUpstream"],
  ["UT", "UpstreamRequestTimeout"],
  ["LR", "LocalReset"],
  ["UR", "UpstreamRemoteReset"],
  ["UF", "UpstreamConnectionFailure"],
  ["UC", "UpstreamConnectionTermination"],
  ["UO", "UpstreamOverflow"],
  ["NR", "NoRouteFound"],
  ["DI", "DelayInjected"],
  ["FI", "FaultInjected"],
  ["RL", "RateLimited"],
  ["UAEX", "UnauthorizedExternalService"],
  ["RLSE", "RateLimitServiceError"],
  ["DC", "DownstreamConnectionTermination"],
  ["URX", "UpstreamRetryLimitExceeded"],
  ["SI", "StreamIdleTimeout"],
  ["IH", "InvalidEnvoyRequestHeaders"],
  ["DPE", "DownstreamProtocolError"],
  ["UMSDR", "UpstreamMaxStreamDurationReached"],
  ["RFCF", "ResponseFromCacheFilter"],
  ["NFCF", "NoFilterConfigFound"],
  ["DT", "DurationTimeout"],
  ["UPE", "UpstreamProtocolError"],
  ["NC", "NoClusterFound"],
  ["OM", "OverloadManager"],
  ["DF", "DnsResolutionFailed"],
  ["DO", "DropOverload"],
  ["DR", "DownstreamRemoteReset"],
  ["UDO", "UnconditionalDropOverload"],
];

const BIT = new Map<string, bigint>(FLAGS.map(([f], i) => [f, 1n << BigInt(i)]));
const LONG = new Map<string, string>(FLAGS);

/** The bitmask of a comma-joined flag string (`UF,URX`); `-` and unknown flags add nothing. */
export function responseFlagBits(flags: string): bigint {
  if (flags === "-" || flags === "") return 0n;
  let bits = 0n;
  for (const f of flags.split(",")) bits |= BIT.get(f.trim()) ?? 0n;
  return bits;
}

/** Envoy's `%RESPONSE_FLAGS_LONG%`: the long names concatenated (`UpstreamConnectionFailure,...`), `-` for none. */
export function longResponseFlags(flags: string): string {
  if (flags === "-" || flags === "") return "-";
  return flags.split(",").map((f) => LONG.get(f.trim()) ?? f.trim()).join(",");
}
