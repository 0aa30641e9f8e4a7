/**
 * istiod's duration and connection pool checks (`ValidateDuration`, `validateConnectionPool`), shared by
 * DestinationRule and Sidecar.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import type { ConnectionPoolSettings } from "./destination_rule.ts";

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const DURATION_PART = /(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/y;

/** A Go duration in whole nanoseconds (fractions below 1ns dropped, as Go does), or undefined if unparsable. */
export function durationNanos(text: string): bigint | undefined {
  if (text === "0") return 0n;
  let total = 0n;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const m = DURATION_PART.exec(text);
    if (!m || m.index !== start || (m[1] === "" && !m[2])) return undefined;
    const unit = UNIT_NANOS[m[3]];
    const frac = m[2] ?? "";
    total += BigInt(m[1] || "0") * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
  }
  return text === "" ? undefined : total;
}

/** istiod's `ValidateDuration`: at least 1ms and a whole number of milliseconds. */
export function durationError(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ns = durationNanos(text);
  if (ns === undefined) return undefined; // the schema already reported it
  if (ns < 1_000_000n) return "duration must be greater than 1ms";
  if (ns % 1_000_000n !== 0n) return "only durations to ms precision are supported";
  return undefined;
}

/** Reports {@link durationError} at `at`. */
export function checkDuration(text: string | undefined, at: FieldPath, ctx: RuleContext): void {
  const err = durationError(text);
  if (err) ctx.report(at, err);
}

/** istiod's `validateConnectionPool`, shared with Sidecar's ingress and inbound connection pools. */
export function validateConnectionPool(
  pool: ConnectionPoolSettings | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!pool) return;
  if (!pool.http && !pool.tcp) {
    ctx.report(at, "connection pool must have at least one field");
    return;
  }
  const nonNegative = (v: number | undefined, path: FieldPath, what: string) => {
    if ((v ?? 0) < 0) ctx.report(path, `${what} must be non-negative`);
  };
  const h = pool.http;
  if (h) {
    const hat = [...at, "http"];
    nonNegative(h.http1MaxPendingRequests, [...hat, "http1MaxPendingRequests"], "http1 max pending requests");
    nonNegative(h.http2MaxRequests, [...hat, "http2MaxRequests"], "http2 max requests");
    nonNegative(
      h.maxRequestsPerConnection,
      [...hat, "maxRequestsPerConnection"],
      "max requests per connection",
    );
    nonNegative(h.maxRetries, [...hat, "maxRetries"], "max retries");
    checkDuration(h.idleTimeout, [...hat, "idleTimeout"], ctx);
    if (h.h2UpgradePolicy === "UPGRADE" && h.useClientProtocol) {
      ctx.report(
        [...hat, "useClientProtocol"],
        "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
      );
    }
    nonNegative(h.maxConcurrentStreams, [...hat, "maxConcurrentStreams"], "max concurrent streams");
    if (h.http2KeepAlive) {
      const kat = [...hat, "http2KeepAlive"];
      if (h.http2KeepAlive.interval === undefined) ctx.report(kat, "http2 keepalive interval is required");
      else checkDuration(h.http2KeepAlive.interval, [...kat, "interval"], ctx);
      if (h.http2KeepAlive.timeout === undefined) ctx.report(kat, "http2 keepalive timeout is required");
      else checkDuration(h.http2KeepAlive.timeout, [...kat, "timeout"], ctx);
    }
  }
  const t = pool.tcp;
  if (t) {
    const tat = [...at, "tcp"];
    nonNegative(t.maxConnections, [...tat, "maxConnections"], "max connections");
    checkDuration(t.connectTimeout, [...tat, "connectTimeout"], ctx);
    checkDuration(t.maxConnectionDuration, [...tat, "maxConnectionDuration"], ctx);
    // 0s disables the idle timeout entirely.
    if (t.idleTimeout !== undefined && (durationNanos(t.idleTimeout) ?? 0n) / 1_000_000n !== 0n) {
      checkDuration(t.idleTimeout, [...tat, "idleTimeout"], ctx);
    }
    checkDuration(t.tcpKeepalive?.time, [...tat, "tcpKeepalive", "time"], ctx);
    checkDuration(t.tcpKeepalive?.interval, [...tat, "tcpKeepalive", "interval"], ctx);
  }
}
