/**
 * istiod's webhook rules for DestinationRule (`ValidateDestinationRule`, `validateTrafficPolicy` and the
 * load balancer, outlier detection, connection pool and client TLS checks it makes).
 * @module
 */
import type { FieldPath } from "../diagnostics.ts";
import type { RuleContext } from "../kind.ts";
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  DestinationRuleSpec,
  LoadBalancerSettings,
  OutlierDetection,
  PortTrafficPolicy,
  TrafficPolicy,
} from "./destination_rule.ts";
import { validateLocalityLbSetting, validateZoneAwareLbSetting } from "./destination_rule_lb_rules.ts";
import {
  isIpAddress,
  isIstioDns1123Label,
  istioFqdnError,
  istioWildcardDomainError,
  labelErrors,
  validateExportTo,
} from "./host_rules.ts";
import { portError, validateSelectorLabels } from "./service_entry_rules.ts";

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

function checkDuration(text: string | undefined, at: FieldPath, ctx: RuleContext): void {
  const err = durationError(text);
  if (err) ctx.report(at, err);
}

/** The rules of `ValidateDestinationRule`. */
export function validateDestinationRule(spec: DestinationRuleSpec, ctx: RuleContext): void {
  const ns = ctx.meta.namespace;
  const hostErr = istioWildcardDomainError(spec.host);
  if (hostErr) ctx.report(["host"], hostErr);
  validateTrafficPolicy(ns, spec.trafficPolicy, ["trafficPolicy"], ctx);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((s, i) => {
    const at = ["subsets", i] as const;
    if (names.has(s.name)) ctx.report([...at, "name"], `duplicate subset names: ${s.name}`);
    names.add(s.name);
    if (s.name === "") ctx.report([...at, "name"], "subset name cannot be empty");
    else if (!isIstioDns1123Label(s.name)) ctx.report([...at, "name"], `subset name is invalid: ${s.name}`);
    for (const err of labelErrors(s.labels)) ctx.report([...at, "labels"], err);
    validateTrafficPolicy(ns, s.trafficPolicy, [...at, "trafficPolicy"], ctx);
  });
  validateExportTo(ns, spec.exportTo, ["exportTo"], ctx, {
    destinationRuleWithSelector: spec.workloadSelector !== undefined,
  });
  if (spec.workloadSelector) {
    validateSelectorLabels(spec.workloadSelector.matchLabels, ["workloadSelector", "matchLabels"], ctx);
    if (Object.keys(spec.workloadSelector.matchLabels ?? {}).length === 0) {
      ctx.report(["workloadSelector"], "workload selector specified without labels", "warning");
    }
  }
}

function validateTrafficPolicy(ns: string, p: TrafficPolicy | undefined, at: FieldPath, ctx: RuleContext): void {
  if (p === undefined) return;
  if (
    !p.outlierDetection && !p.connectionPool && !p.loadBalancer && !p.tls && !p.portLevelSettings?.length &&
    !p.tunnel && !p.proxyProtocol && !p.retryBudget
  ) {
    ctx.report(at, "traffic policy must have at least one field");
    return;
  }
  if (p.tunnel && p.proxyProtocol) {
    ctx.report(at, "tunnel and proxyProtocol must not be set together");
    return;
  }
  validateOutlierDetection(p.outlierDetection, [...at, "outlierDetection"], ctx);
  validateConnectionPool(p.connectionPool, [...at, "connectionPool"], ctx);
  validateLoadBalancer(p.loadBalancer, p.outlierDetection, [...at, "loadBalancer"], ctx);
  validateClientTls(ns, p.tls, [...at, "tls"], ctx);
  (p.portLevelSettings ?? []).forEach((pl, i) => validatePortPolicy(ns, pl, [...at, "portLevelSettings", i], ctx));
  if (p.tunnel) {
    const t = p.tunnel;
    const tat = [...at, "tunnel"];
    if (t.protocol && t.protocol !== "CONNECT" && t.protocol !== "POST") {
      ctx.report([...tat, "protocol"], 'tunnel protocol must be "CONNECT" or "POST"');
    }
    const fqdnErr = istioFqdnError(t.targetHost);
    if (fqdnErr && !isIpAddress(t.targetHost)) {
      ctx.report(
        [...tat, "targetHost"],
        `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${t.targetHost} is not a valid IP`,
      );
    }
    const portErr = portError(t.targetPort);
    if (portErr) ctx.report([...tat, "targetPort"], `tunnel target port is invalid: ${portErr}`);
  }
}

function validatePortPolicy(ns: string, p: PortTrafficPolicy, at: FieldPath, ctx: RuleContext): void {
  if (!p.port) ctx.report(at, "portTrafficPolicy must have valid port");
  if (!p.outlierDetection && !p.connectionPool && !p.loadBalancer && !p.tls) {
    ctx.report(at, "port traffic policy must have at least one field");
    return;
  }
  validateOutlierDetection(p.outlierDetection, [...at, "outlierDetection"], ctx);
  validateConnectionPool(p.connectionPool, [...at, "connectionPool"], ctx);
  validateLoadBalancer(p.loadBalancer, p.outlierDetection, [...at, "loadBalancer"], ctx);
  validateClientTls(ns, p.tls, [...at, "tls"], ctx);
}

function validateOutlierDetection(o: OutlierDetection | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!o) return;
  checkDuration(o.baseEjectionTime, [...at, "baseEjectionTime"], ctx);
  if (o.consecutiveErrors) {
    ctx.report(
      [...at, "consecutiveErrors"],
      "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
      "warning",
    );
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    ctx.report(
      [...at, "consecutiveLocalOriginFailures"],
      "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
    );
  }
  checkDuration(o.interval, [...at, "interval"], ctx);
  for (const field of ["maxEjectionPercent", "minHealthPercent"] as const) {
    const v = o[field] ?? 0;
    if (v < 0 || v > 100) ctx.report([...at, field], `percentage ${v} is not in range 0..100`);
  }
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
    nonNegative(h.maxRequestsPerConnection, [...hat, "maxRequestsPerConnection"], "max requests per connection");
    nonNegative(h.maxRetries, [...hat, "maxRetries"], "max retries");
    checkDuration(h.idleTimeout, [...hat, "idleTimeout"], ctx);
    if (h.h2UpgradePolicy === "UPGRADE" && h.useClientProtocol) {
      ctx.report([...hat, "useClientProtocol"], "use client protocol must not be true when H2UpgradePolicy is UPGRADE");
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

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function validateLoadBalancer(
  lb: LoadBalancerSettings | undefined,
  outlier: OutlierDetection | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!lb) return;
  const ch = lb.consistentHash;
  if (ch) {
    const cat = [...at, "consistentHash"];
    const cookie = ch.httpCookie;
    if (cookie && cookie.name === "") ctx.report([...cat, "httpCookie", "name"], "name required for HttpCookie");
    const attrNames = new Set<string>();
    (cookie?.attributes ?? []).forEach((a, i) => {
      const aat = [...cat, "httpCookie", "attributes", i, "name"];
      if (a.name === "") ctx.report(aat, "cookie attribute name cannot be empty");
      else if (attrNames.has(a.name)) ctx.report(aat, `duplicate cookie attribute name: ${a.name}`);
      else attrNames.add(a.name);
    });
    if (ch.minimumRingSize) {
      ctx.report(
        [...cat, "minimumRingSize"],
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
        "warning",
      );
      if (ch.ringHash || ch.maglev) ctx.report(cat, "only one of MinimumRingSize or Maglev/Ringhash can be specified");
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      const mat = [...cat, "maglev", "tableSize"];
      if (size === 0) ctx.report(mat, "tableSize must be set for maglev");
      if (size >= 5000011) ctx.report(mat, "tableSize must be less than 5000011 for maglev");
      if (!isPrime(size)) ctx.report(mat, "tableSize must be a prime number for maglev");
    }
  }
  if (lb.localityLbSetting && lb.zoneAwareLbSetting) {
    ctx.report(at, "only one of localityLbSetting and zoneAwareLbSetting can be set");
  }
  validateLocalityLbSetting(lb.localityLbSetting, outlier, [...at, "localityLbSetting"], ctx);
  validateZoneAwareLbSetting(lb.zoneAwareLbSetting, outlier, [...at, "zoneAwareLbSetting"], ctx);
  const warm = lb.warmup;
  if (warm) {
    checkDuration(warm.duration, [...at, "warmup", "duration"], ctx);
    if ((warm.minimumPercent ?? 0) > 100) {
      ctx.report([...at, "warmup", "minimumPercent"], "minimumPercent value should be less than or equal to 100");
    }
    if (warm.aggression != null && warm.aggression <= 0) {
      ctx.report([...at, "warmup", "aggression"], "aggression should be greater than 0");
    }
  }
}

/** istiod's `ValidateTLS` for client (origination) TLS settings. */
function validateClientTls(ns: string, tls: ClientTLSSettings | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!tls) return;
  const cred = tls.credentialName ?? "";
  if (cred.startsWith("configmap://")) {
    const [cmNs, cmName] = cred.slice("configmap://".length).split("/");
    let err: string | undefined;
    if (cmName === undefined) err = `invalid resource name ${JSON.stringify(cred)}. Expected namespace and name`;
    else if (cmNs === "") err = `invalid resource name ${JSON.stringify(cred)}. Expected namespace`;
    else if (cmName === "") err = `invalid resource name ${JSON.stringify(cred)}. Expected name`;
    if (err) ctx.report([...at, "credentialName"], `invalid configmap:// credentialName: ${err}`);
    else if (cmNs !== ns || ns === "") {
      ctx.report(
        [...at, "credentialName"],
        `invalid configmap:// credentialName: namespace must match the configuration namespace ${JSON.stringify(ns)}`,
      );
    }
  }
  if (tls.insecureSkipVerify) {
    if (tls.mode === "SIMPLE" && (tls.caCertificates || cred || tls.subjectAltNames?.length)) {
      ctx.report(at, "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true");
    }
    if (tls.mode === "MUTUAL" && (tls.caCertificates || tls.subjectAltNames?.length)) {
      ctx.report(at, "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
    }
  }
  if ((tls.mode === "SIMPLE" || tls.mode === "MUTUAL") && cred) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      ctx.report(at, "cannot specify client certificates or CA certificate or CA CRL If credentialName is set");
    }
    return;
  }
  if (tls.mode === "MUTUAL") {
    if (!tls.clientCertificate) ctx.report(at, "client certificate required for mutual tls");
    if (!tls.privateKey) ctx.report(at, "private key required for mutual tls");
  }
}
