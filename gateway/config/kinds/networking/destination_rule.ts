/**
 * `networking.istio.io` DestinationRule: the schema of its spec (istio/api `destination_rule.proto` as the CRD
 * serves it, with its OpenAPI bounds and CEL rules) and the webhook's rules for it.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import { duration, exportTo, int32, positiveDuration, stringMap, uint32 } from "../../schema/common.ts";
import { validateDestinationRule } from "./destination_rule_rules.ts";

/** The API server's wording for a failed CEL rule on a value of the given OpenAPI type. */
export function celMessage(type: string, message: string): string {
  return `Invalid value: "${type}": ${message}`;
}

const uint64 = z.number().int("must be an integer").min(0, {
  error: (iss) => `Invalid value: ${iss.input}: should be greater than or equal to 0`,
});

/** A `double` bounded like `minimum`/`maximum` in the CRD, with the API server's messages. */
function boundedDouble(min: number, max?: number) {
  const lower = z.number().min(min, {
    error: (iss) => `Invalid value: ${iss.input}: should be greater than or equal to ${min}`,
  });
  return max === undefined ? lower : lower.max(max, {
    error: (iss) => `Invalid value: ${iss.input}: should be less than or equal to ${max}`,
  });
}

/** Refines an object so that at most one of `keys` is present (the CRD's `oneOf` of `required` keys). */
function atMostOne<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[]) {
  return (v: T, ctx: z.RefinementCtx) => {
    if (keys.filter((k) => v[k] !== undefined).length > 1) {
      ctx.addIssue({
        code: "custom",
        message: celMessage(
          "object",
          `must validate one and only one schema (oneOf): only one of ${keys.join(", ")} may be set`,
        ),
      });
    }
  };
}

const tcpSettings = z.strictObject({
  maxConnections: int32.optional(),
  connectTimeout: positiveDuration.optional(),
  tcpKeepalive: z.strictObject({
    probes: uint32.optional(),
    time: positiveDuration.optional(),
    interval: positiveDuration.optional(),
  }).optional(),
  maxConnectionDuration: positiveDuration.optional(),
  idleTimeout: duration.optional(),
});

const httpSettings = z.strictObject({
  http1MaxPendingRequests: int32.optional(),
  http2MaxRequests: int32.optional(),
  maxRequestsPerConnection: int32.optional(),
  maxRetries: int32.optional(),
  idleTimeout: positiveDuration.optional(),
  h2UpgradePolicy: z.enum(["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]).optional(),
  useClientProtocol: z.boolean().optional(),
  maxConcurrentStreams: int32.optional(),
  http2KeepAlive: z.strictObject({
    interval: positiveDuration.optional(),
    timeout: positiveDuration.optional(),
  }).optional(),
});

/** `ConnectionPoolSettings`: TCP and HTTP limits towards the upstream (also used by Sidecar ingress). */
export const connectionPoolSettings = z.strictObject({
  tcp: tcpSettings.optional(),
  http: httpSettings.optional(),
});

const httpCookie = z.strictObject({
  name: z.string(),
  path: z.string().optional(),
  ttl: duration.optional(),
  attributes: z.array(z.strictObject({ name: z.string(), value: z.string().optional() })).optional(),
});

const consistentHash = z.strictObject({
  httpHeaderName: z.string().optional(),
  httpCookie: httpCookie.optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: z.strictObject({ minimumRingSize: uint64.optional() }).optional(),
  maglev: z.strictObject({ tableSize: uint64.optional() }).optional(),
  minimumRingSize: uint64.optional(),
}).superRefine(atMostOne(["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"]))
  .superRefine(atMostOne(["ringHash", "maglev"]));

const localityLbSetting = z.strictObject({
  distribute: z.array(z.strictObject({
    from: z.string().optional(),
    to: z.record(z.string(), uint32).optional(),
  })).optional(),
  failover: z.array(z.strictObject({ from: z.string().optional(), to: z.string().optional() })).optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: z.boolean().nullable().optional(),
});

const zoneAwareLbSetting = z.strictObject({
  enabled: z.boolean().nullable().optional(),
  failover: z.array(z.strictObject({ from: z.string().optional(), to: z.string().optional() })).optional(),
  failoverPriority: z.array(z.string()).optional(),
  minClusterSize: uint32.min(1, {
    error: (iss) => `Invalid value: ${iss.input}: should be greater than or equal to 1`,
  }).nullable().optional(),
});

const loadBalancer = z.strictObject({
  simple: z.enum(["UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"])
    .optional(),
  consistentHash: consistentHash.optional(),
  backendUtilization: z.strictObject({
    errorUtilizationPenaltyPercent: uint32.optional(),
    metricNamesForComputingUtilization: z.array(z.string()).optional(),
    weightExpirationPeriod: duration.optional(),
    weightStabilizationPeriod: duration.optional(),
    weightUpdatePeriod: duration.optional(),
  }).optional(),
  localityLbSetting: localityLbSetting.optional(),
  zoneAwareLbSetting: zoneAwareLbSetting.optional(),
  warmupDurationSecs: positiveDuration.optional(),
  warmup: z.strictObject({
    duration: positiveDuration,
    minimumPercent: boundedDouble(0, 100).nullable().optional(),
    aggression: boundedDouble(0).nullable().optional(),
  }).optional(),
}).superRefine(atMostOne(["simple", "consistentHash", "backendUtilization"]));

const outlierDetection = z.strictObject({
  consecutiveErrors: int32.optional(),
  splitExternalLocalOriginErrors: z.boolean().optional(),
  consecutiveLocalOriginFailures: uint32.nullable().optional(),
  consecutiveGatewayErrors: uint32.nullable().optional(),
  consecutive5xxErrors: uint32.nullable().optional(),
  interval: positiveDuration.optional(),
  baseEjectionTime: positiveDuration.optional(),
  maxEjectionPercent: int32.optional(),
  minHealthPercent: int32.optional(),
  outlierDetectionHttpErrorCodes: z.array(
    z.number().int("must be an integer").min(100, {
      error: (iss) => `Invalid value: ${iss.input}: should be greater than or equal to 100`,
    }).max(599, { error: (iss) => `Invalid value: ${iss.input}: should be less than or equal to 599` }),
  ).optional(),
});

const clientTls = z.strictObject({
  mode: z.enum(["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]).optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().nullable().optional(),
  caCrl: z.string().optional(),
});

const portTrafficPolicy = z.strictObject({
  port: z.strictObject({ number: uint32.optional() }).optional(),
  loadBalancer: loadBalancer.optional(),
  connectionPool: connectionPoolSettings.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTls.optional(),
});

const trafficPolicy = z.strictObject({
  loadBalancer: loadBalancer.optional(),
  connectionPool: connectionPoolSettings.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTls.optional(),
  portLevelSettings: z.array(portTrafficPolicy).max(4096).optional(),
  tunnel: z.strictObject({
    protocol: z.string().optional(),
    targetHost: z.string(),
    targetPort: uint32,
  }).optional(),
  proxyProtocol: z.strictObject({ version: z.enum(["V1", "V2"]).optional() }).optional(),
  retryBudget: z.strictObject({
    percent: boundedDouble(0, 100).nullable().optional(),
    minRetryConcurrency: uint32.optional(),
    budgetInterval: duration.optional(),
  }).optional(),
});

const subset = z.strictObject({
  name: z.string(),
  labels: stringMap.optional(),
  trafficPolicy: trafficPolicy.optional(),
});

/** `istio.type.v1beta1.WorkloadSelector` with the CRD's CEL rules on keys and values. */
export const matchLabelsSelector = z.strictObject({
  matchLabels: z.record(
    z.string(),
    z.string().max(63, { error: () => "Too long: may not be longer than 63" }).refine(
      (v) => !v.includes("*"),
      {
        message: celMessage("string", "wildcard not allowed in label value match"),
      },
    ),
  ).superRefine((m, ctx) => {
    const keys = Object.keys(m);
    if (keys.length > 4096) {
      ctx.addIssue({ code: "custom", message: "Too many: must have at most 4096 items" });
    }
    if (keys.some((k) => k.includes("*"))) {
      ctx.addIssue({
        code: "custom",
        message: celMessage("object", "wildcard not allowed in label key match"),
      });
    }
    if (keys.some((k) => k.length === 0)) {
      ctx.addIssue({ code: "custom", message: celMessage("object", "key must not be empty") });
    }
  }).optional(),
});

const destinationRuleSpec = z.strictObject({
  host: z.string(),
  trafficPolicy: trafficPolicy.optional(),
  subsets: z.array(subset).optional(),
  exportTo: exportTo.optional(),
  workloadSelector: matchLabelsSelector.optional(),
});

/** The DestinationRule kind. */
export const destinationRuleKind = defineKind({
  kind: "DestinationRule",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: destinationRuleSpec,
  // The CRD does not require `spec`; without one the schema reports `spec.host: Required value`.
  specRequired: false,
  rules: validateDestinationRule,
});

/** A DestinationRule spec as validated. */
export type DestinationRuleSpec = z.output<typeof destinationRuleSpec>;
/** Policies applied to traffic for the rule's host, a subset, or (per port) inside them. */
export type TrafficPolicy = z.output<typeof trafficPolicy>;
/** A named subset of the host's endpoints, selected by labels, with its own policy overrides. */
export type Subset = z.output<typeof subset>;
/** Load balancing: a simple algorithm, consistent hashing or backend utilization, plus locality and warmup. */
export type LoadBalancerSettings = z.output<typeof loadBalancer>;
/** Connection pool limits for TCP and HTTP. */
export type ConnectionPoolSettings = z.output<typeof connectionPoolSettings>;
/** Passive health checking (outlier ejection). */
export type OutlierDetection = z.output<typeof outlierDetection>;
/** TLS origination towards the upstream. */
export type ClientTLSSettings = z.output<typeof clientTls>;
/** The policy for one destination port, overriding the enclosing policy's fields. */
export type PortTrafficPolicy = z.output<typeof portTrafficPolicy>;
