/**
 * istiod's connection pool checks (`validateConnectionPool`), shared by DestinationRule and Sidecar.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import { durationNanos, validateDuration } from "../../duration.ts";
import type { RuleContext } from "../../kind.ts";
import type { ConnectionPoolSettings } from "./destination_rule.ts";

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
    validateDuration(h.idleTimeout, [...hat, "idleTimeout"], ctx);
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
      else validateDuration(h.http2KeepAlive.interval, [...kat, "interval"], ctx);
      if (h.http2KeepAlive.timeout === undefined) ctx.report(kat, "http2 keepalive timeout is required");
      else validateDuration(h.http2KeepAlive.timeout, [...kat, "timeout"], ctx);
    }
  }
  const t = pool.tcp;
  if (t) {
    const tat = [...at, "tcp"];
    nonNegative(t.maxConnections, [...tat, "maxConnections"], "max connections");
    validateDuration(t.connectTimeout, [...tat, "connectTimeout"], ctx);
    validateDuration(t.maxConnectionDuration, [...tat, "maxConnectionDuration"], ctx);
    // 0s disables the idle timeout entirely.
    if (t.idleTimeout !== undefined && (durationNanos(t.idleTimeout) ?? 0n) / 1_000_000n !== 0n) {
      validateDuration(t.idleTimeout, [...tat, "idleTimeout"], ctx);
    }
    validateDuration(t.tcpKeepalive?.time, [...tat, "tcpKeepalive", "time"], ctx);
    validateDuration(t.tcpKeepalive?.interval, [...tat, "tcpKeepalive", "interval"], ctx);
  }
}
