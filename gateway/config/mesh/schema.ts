/**
 * The MeshConfig schema (istio/api `mesh/v1alpha1/config.proto`, `proxy.proto`): only the fields Portcullis uses
 * are typed; the names of the other known fields are registered beside each message.
 * @module
 */
import { z } from "zod";
import { duration, int32, uint32 } from "../schema/common.ts";
import { extensionProvider } from "./provider_schema.ts";
import { bool, double, message, protoEnum, record, str, strList } from "./proto.ts";

const topology = message({
  numTrustedProxies: uint32.optional(),
  forwardClientCertDetails: protoEnum({
    UNDEFINED: 0,
    SANITIZE: 1,
    FORWARD_ONLY: 2,
    APPEND_FORWARD: 3,
    SANITIZE_SET: 4,
    ALWAYS_FORWARD_ONLY: 5,
  }).optional(),
  proxyProtocol: record.optional(),
});

const customTag = message({
  literal: message({ value: str.optional() }).optional(),
  environment: message({ name: str.optional(), defaultValue: str.optional() }).optional(),
  header: message({ name: str.optional(), defaultValue: str.optional() }).optional(),
});

const tracing = message(
  {
    sampling: double.optional(),
    customTags: z.record(z.string(), customTag).optional(),
    maxPathTagLength: uint32.optional(),
  },
  ["zipkin", "lightstep", "datadog", "stackdriver", "openCensusAgent", "tlsSettings", "enableIstioTags"],
);

/** ProxyConfig fields (proxy.proto) that Portcullis does not use. */
const UNUSED_PROXY_CONFIG_FIELDS = [
  "configPath",
  "binaryPath",
  "serviceCluster",
  "tracingServiceName",
  "drainDuration",
  "discoveryAddress",
  "discoveryRefreshDelay",
  "zipkinAddress",
  "statsdUdpAddress",
  "envoyMetricsServiceAddress",
  "proxyAdminPort",
  "availabilityZone",
  "controlPlaneAuthPolicy",
  "customConfigFile",
  "statNameLength",
  "concurrency",
  "proxyBootstrapTemplatePath",
  "interceptionMode",
  "sds",
  "envoyAccessLogService",
  "envoyMetricsService",
  "proxyMetadata",
  "runtimeValues",
  "statusPort",
  "extraStatTags",
  "terminationDrainDuration",
  "meshId",
  "readinessProbe",
  "proxyStatsMatcher",
  "holdApplicationUntilProxyStarts",
  "caCertificatesPem",
  "image",
  "privateKeyProvider",
  "proxyHeaders",
  "fileFlushInterval",
  "fileFlushMinSizeKb",
  "statsCompression",
  "connectionSettings",
];

const proxyConfig = message(
  { gatewayTopology: topology.optional(), tracing: tracing.optional() },
  UNUSED_PROXY_CONFIG_FIELDS,
  ["parentShutdownDuration", "connectTimeout"],
);

/** MeshConfig fields (config.proto) that Portcullis does not use. */
const UNUSED_MESH_FIELDS = [
  "proxyListenPort",
  "proxyInboundListenPort",
  "proxyHttpPort",
  "hboneIdleTimeout",
  "tcpKeepalive",
  "enableEnvoyAccessLogService",
  "disableEnvoyListenerLog",
  "inboundTrafficPolicy",
  "configSources",
  "enableAutoMtls",
  "caCertificates",
  "zoneAwareLbSetting",
  "h2UpgradePolicy",
  "inboundClusterStatName",
  "outboundClusterStatName",
  "certificates",
  "serviceSettings",
  "serviceScopeConfigs",
  "enablePrometheusMerge",
  "verifyCertificateAtClient",
  "ca",
  "discoverySelectors",
  "meshMTLS",
  "tlsDefaults",
  "defaultTrafficPolicy",
  "serviceEntryVisibility",
];

/** Fields removed from MeshConfig (`reserved` names in config.proto). */
const REMOVED_MESH_FIELDS = [
  "thriftConfig",
  "mixerCheckServer",
  "mixerReportServer",
  "disablePolicyChecks",
  "disableMixerHttpReports",
  "policyCheckFailOpen",
  "sidecarToTelemetrySessionAffinity",
  "authPolicy",
  "rdsRefreshDelay",
  "mixerAddress",
  "enableClientSidePolicyCheck",
  "sdsUdsPath",
  "sdsRefreshDelay",
  "enableSdsTokenMount",
  "sdsUseK8sSaJwt",
  "terminationDrainDuration",
  "disableReportBatch",
  "reportBatchMaxEntries",
  "reportBatchMaxTime",
  "fileFlushInterval",
  "fileFlushMinSize",
];

/** The top-level MeshConfig fields Portcullis uses, by name. */
export const meshShape = {
  outboundTrafficPolicy: message(
    { mode: protoEnum({ REGISTRY_ONLY: 0, ALLOW_ANY: 1, ALLOW_ANY_DYNAMIC_DNS: 3 }).optional() },
    ["tls"],
  ),
  pathNormalization: message({
    normalization: protoEnum({ DEFAULT: 0, NONE: 1, BASE: 2, MERGE_SLASHES: 3, DECODE_AND_MERGE_SLASHES: 4 })
      .optional(),
  }),
  defaultHttpRetryPolicy: message({
    attempts: int32.optional(),
    perTryTimeout: duration.optional(),
    retryOn: str.optional(),
    retryRemoteLocalities: bool.optional(),
    retryIgnorePreviousHosts: bool.optional(),
    backoff: duration.optional(),
  }),
  localityLbSetting: message({
    enabled: bool.nullable().optional(),
    distribute: z.array(message({ from: str.optional(), to: z.record(z.string(), uint32).optional() }))
      .optional(),
    failover: z.array(message({ from: str.optional(), to: str.optional() })).optional(),
    failoverPriority: strList.optional(),
  }),
  extensionProviders: z.array(extensionProvider),
  defaultProviders: message({
    tracing: strList.optional(),
    metrics: strList.optional(),
    accessLogging: strList.optional(),
  }),
  accessLogFile: str,
  accessLogFormat: str,
  accessLogEncoding: protoEnum({ TEXT: 0, JSON: 1 }),
  enableTracing: bool,
  trustDomain: str,
  trustDomainAliases: strList,
  rootNamespace: str,
  connectTimeout: duration,
  protocolDetectionTimeout: duration,
  dnsRefreshRate: duration,
  defaultServiceExportTo: strList,
  defaultVirtualServiceExportTo: strList,
  defaultDestinationRuleExportTo: strList,
  ingressClass: str,
  ingressService: str,
  ingressControllerMode: protoEnum({ UNSPECIFIED: 0, OFF: 1, DEFAULT: 2, STRICT: 3 }),
  ingressSelector: str,
  defaultConfig: proxyConfig,
};
/** The whole MeshConfig message. */
export const meshSchema = message(meshShape, UNUSED_MESH_FIELDS, REMOVED_MESH_FIELDS);

/** The decoded MeshConfig fields, each one present only when it was written and valid. */
export type MeshInput = { -readonly [K in keyof typeof meshShape]?: z.output<(typeof meshShape)[K]> };
