/**
 * MeshConfig: the mesh-wide settings a gateway needs (istio/api `mesh/v1alpha1/config.proto`), read from the file
 * given by `--mesh FILE` and merged over Istio's defaults (istio/istio `pkg/config/mesh/mesh.go`).
 *
 * The file may hold:
 * - a plain YAML map of MeshConfig fields (what the `mesh` key of Istio's `istio` ConfigMap contains);
 * - a Kubernetes ConfigMap whose `data.mesh` is that YAML as a string (`kubectl get cm istio -o yaml`);
 * - an IstioOperator (or a bare `spec:` fragment of one) with `spec.meshConfig`, or Helm values with `meshConfig:`.
 *
 * Like Istio (protobuf JSON decoding), fields may be written in lowerCamelCase or in the proto's snake_case, `null`
 * means "unset", enums may be given by name or number, and unknown fields are ignored. Portcullis reports them:
 * MeshConfig fields it does not use get a note, fields unknown to MeshConfig a warning, type errors an error.
 * Problems in `extensionProviders` bodies are warnings, because istiod only logs them ("can be ignored if the given
 * extension provider is not used").
 * @module
 */
import { z } from "zod";
import { type Diagnostic, type FieldPath, fileDiagnostic, formatPath, type Severity } from "./diagnostics.ts";
import { parseDuration } from "./duration.ts";
import { duration, int32, uint32 } from "./schema/common.ts";
import { parseYamlFile, type YamlDocument } from "./yaml_document.ts";

// ---------------------------------------------------------------------------------------------------------------
// The result

/** `outboundTrafficPolicy.mode`. */
export type OutboundTrafficMode = "REGISTRY_ONLY" | "ALLOW_ANY" | "ALLOW_ANY_DYNAMIC_DNS";

/** `pathNormalization.normalization`; `DEFAULT` is resolved to `BASE`, as Istio does. */
export type PathNormalization = "NONE" | "BASE" | "MERGE_SLASHES" | "DECODE_AND_MERGE_SLASHES";

/** `gatewayTopology.forwardClientCertDetails`; `UNDEFINED` is resolved to the gateway default `SANITIZE_SET`. */
export type ForwardClientCertDetails =
  | "SANITIZE"
  | "FORWARD_ONLY"
  | "APPEND_FORWARD"
  | "SANITIZE_SET"
  | "ALWAYS_FORWARD_ONLY";

/** `istio.networking.v1alpha3.HTTPRetry` as MeshConfig `defaultHttpRetryPolicy` holds it. */
export interface HttpRetryPolicy {
  /** Number of retries; 0 disables retries (Istio: an explicit policy without `attempts` disables them too). */
  readonly attempts: number;
  /** Envoy `retry_on` conditions; integers in it are retriable status codes. */
  readonly retryOn: string;
  readonly perTryTimeout?: string;
  readonly retryRemoteLocalities?: boolean;
  readonly retryIgnorePreviousHosts?: boolean;
  /** Base interval of the exponential backoff (Envoy default 25ms). */
  readonly backoff?: string;
}

/** An `HttpHeader` of an extension provider: a literal value or one read from an environment variable. */
export interface ProviderHeader {
  readonly name?: string;
  readonly value?: string;
  readonly envName?: string;
}

/** `EnvoyExternalAuthorizationRequestBody`. */
export interface ExtAuthzRequestBody {
  readonly maxRequestBytes?: number;
  readonly allowPartialMessage?: boolean;
  readonly packAsBytes?: boolean;
}

/** `envoyExtAuthzHttp`: an HTTP ext_authz server used by `AuthorizationPolicy` `action: CUSTOM`. */
export interface EnvoyExtAuthzHttpProvider {
  readonly service?: string;
  readonly port?: number;
  readonly timeout?: string;
  readonly pathPrefix?: string;
  readonly failOpen?: boolean;
  readonly clearRouteCache?: boolean;
  readonly statusOnError?: string;
  /** Deprecated alias of `includeRequestHeadersInCheck`. */
  readonly includeHeadersInCheck?: readonly string[];
  readonly includeRequestHeadersInCheck?: readonly string[];
  readonly includeAdditionalHeadersInCheck?: Readonly<Record<string, string>>;
  readonly includeRequestBodyInCheck?: ExtAuthzRequestBody;
  readonly headersToUpstreamOnAllow?: readonly string[];
  readonly headersToDownstreamOnDeny?: readonly string[];
  readonly headersToDownstreamOnAllow?: readonly string[];
}

/** `envoyExtAuthzGrpc`: a gRPC ext_authz server. */
export interface EnvoyExtAuthzGrpcProvider {
  readonly service?: string;
  readonly port?: number;
  readonly timeout?: string;
  readonly failOpen?: boolean;
  readonly clearRouteCache?: boolean;
  readonly statusOnError?: string;
  readonly includeRequestBodyInCheck?: ExtAuthzRequestBody;
}

/** `zipkin` tracing provider. */
export interface ZipkinProvider {
  readonly service?: string;
  readonly port?: number;
  readonly maxTagLength?: number;
  readonly enable64bitTraceId?: boolean;
  readonly path?: string;
  readonly traceContextOption?: "USE_B3" | "USE_B3_WITH_W3C_PROPAGATION";
  readonly timeout?: string;
  readonly headers?: readonly ProviderHeader[];
}

/** `opentelemetry` tracing provider (OTLP over gRPC, or over HTTP when `http` is set). */
export interface OpenTelemetryProvider {
  readonly service?: string;
  readonly port?: number;
  readonly maxTagLength?: number;
  readonly http?: {
    readonly path?: string;
    readonly timeout?: string;
    readonly headers?: readonly ProviderHeader[];
  };
  readonly grpc?: { readonly timeout?: string; readonly initialMetadata?: readonly ProviderHeader[] };
  readonly resourceDetectors?: {
    readonly environment?: Readonly<Record<string, unknown>>;
    readonly dynatrace?: Readonly<Record<string, unknown>>;
  };
  readonly serviceAttributeEnrichment?: "ISTIO_CANONICAL" | "OTEL_SEMANTIC_CONVENTIONS";
  readonly dynatraceSampler?: Readonly<Record<string, unknown>>;
}

/** `envoyFileAccessLog` access-log provider. */
export interface EnvoyFileAccessLogProvider {
  readonly path?: string;
  /** One of `text` (an Envoy format string) or `labels` (JSON keys to format strings). */
  readonly logFormat?: { readonly text?: string; readonly labels?: Readonly<Record<string, unknown>> };
  readonly omitEmptyValues?: boolean;
}

/** Provider types Portcullis keeps untyped (their bodies are passed through as plain records). */
export type OtherProviderType =
  | "lightstep"
  | "datadog"
  | "stackdriver"
  | "opencensus"
  | "skywalking"
  | "prometheus"
  | "envoyHttpAls"
  | "envoyTcpAls"
  | "envoyOtelAls"
  | "sds";

/** One `extensionProviders[]` entry: its name, which provider it is, and that provider's settings. */
export type ExtensionProvider =
  | {
    readonly name: string;
    readonly type: "envoyExtAuthzHttp";
    readonly envoyExtAuthzHttp: EnvoyExtAuthzHttpProvider;
  }
  | {
    readonly name: string;
    readonly type: "envoyExtAuthzGrpc";
    readonly envoyExtAuthzGrpc: EnvoyExtAuthzGrpcProvider;
  }
  | { readonly name: string; readonly type: "zipkin"; readonly zipkin: ZipkinProvider }
  | { readonly name: string; readonly type: "opentelemetry"; readonly opentelemetry: OpenTelemetryProvider }
  | {
    readonly name: string;
    readonly type: "envoyFileAccessLog";
    readonly envoyFileAccessLog: EnvoyFileAccessLogProvider;
  }
  | {
    readonly name: string;
    readonly type: OtherProviderType;
    readonly config: Readonly<Record<string, unknown>>;
  };

/** The part of `defaultConfig` (ProxyConfig) a gateway uses. */
export interface ProxyConfig {
  readonly gatewayTopology: {
    /** Trusted proxies in front of the gateway: Envoy `xff_num_trusted_hops` (default 0). */
    readonly numTrustedProxies: number;
    /** XFCC handling (default `SANITIZE_SET` at gateways). */
    readonly forwardClientCertDetails: ForwardClientCertDetails;
    /** Whether `proxyProtocol: {}` turned on PROXY protocol for downstream connections. */
    readonly proxyProtocol: boolean;
  };
  readonly tracing: {
    /** Random sampling percentage, 0..100 (default 1, `PILOT_TRACE_SAMPLING`; 0 means unset, > 100 means 1). */
    readonly sampling: number;
  };
  /** The other ProxyConfig fields as written, for the record. */
  readonly other: Readonly<Record<string, unknown>>;
}

/** The mesh-wide settings, with every default applied. */
export interface MeshConfig {
  readonly outboundTrafficPolicy: { readonly mode: OutboundTrafficMode };
  readonly pathNormalization: { readonly normalization: PathNormalization };
  /** Used for routes without `retries` (default: 2 attempts on connect-failure,refused-stream,…). */
  readonly defaultHttpRetryPolicy: HttpRetryPolicy;
  /** Istio's built-in providers (`prometheus`, `stackdriver`, `envoy`) followed by the configured ones. */
  readonly extensionProviders: readonly ExtensionProvider[];
  readonly defaultProviders: {
    readonly metrics: readonly string[];
    readonly tracing: readonly string[];
    readonly accessLogging: readonly string[];
  };
  /** Access-log file, e.g. `/dev/stdout`; empty = no mesh-wide access log. */
  readonly accessLogFile: string;
  /** Envoy format string; empty = Istio's default format. */
  readonly accessLogFormat: string;
  readonly accessLogEncoding: "TEXT" | "JSON";
  readonly enableTracing: boolean;
  readonly trustDomain: string;
  readonly trustDomainAliases: readonly string[];
  /** Namespace whose policies apply mesh-wide. */
  readonly rootNamespace: string;
  /** Upstream connect timeout. */
  readonly connectTimeout: string;
  /** `0s` = no protocol-detection timeout. */
  readonly protocolDetectionTimeout: string;
  /** Re-resolution period of DNS ServiceEntries when a lookup fails. */
  readonly dnsRefreshRate: string;
  readonly defaultServiceExportTo: readonly string[];
  readonly defaultVirtualServiceExportTo: readonly string[];
  readonly defaultDestinationRuleExportTo: readonly string[];
  readonly ingressClass: string;
  readonly ingressService: string;
  readonly ingressControllerMode: "UNSPECIFIED" | "OFF" | "DEFAULT" | "STRICT";
  readonly ingressSelector: string;
  readonly defaultConfig: ProxyConfig;
  /** Every other top-level field as written (known-but-unused MeshConfig fields and unknown ones). */
  readonly other: Readonly<Record<string, unknown>>;
}

/** The default retry-on conditions (route/retry/retry.go). */
export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

const BUILTIN_PROVIDERS: readonly ExtensionProvider[] = [
  { name: "prometheus", type: "prometheus", config: {} },
  { name: "stackdriver", type: "stackdriver", config: {} },
  { name: "envoy", type: "envoyFileAccessLog", envoyFileAccessLog: { path: "/dev/stdout" } },
];

/** Istio's defaults (mesh.go `DefaultMeshConfig`), as a gateway sees them with no `--mesh` file. */
export const DEFAULT_MESH_CONFIG: MeshConfig = deepFreeze(
  {
    outboundTrafficPolicy: { mode: "ALLOW_ANY" },
    pathNormalization: { normalization: "BASE" },
    defaultHttpRetryPolicy: { attempts: 2, retryOn: DEFAULT_RETRY_ON },
    extensionProviders: BUILTIN_PROVIDERS,
    defaultProviders: { metrics: [], tracing: [], accessLogging: [] },
    accessLogFile: "",
    accessLogFormat: "",
    accessLogEncoding: "TEXT",
    enableTracing: true,
    trustDomain: "cluster.local",
    trustDomainAliases: [],
    rootNamespace: "istio-system",
    connectTimeout: "10s",
    protocolDetectionTimeout: "0s",
    dnsRefreshRate: "60s",
    defaultServiceExportTo: ["*"],
    defaultVirtualServiceExportTo: ["*"],
    defaultDestinationRuleExportTo: ["*"],
    ingressClass: "istio",
    ingressService: "istio-ingressgateway",
    ingressControllerMode: "STRICT",
    ingressSelector: "",
    defaultConfig: {
      gatewayTopology: {
        numTrustedProxies: 0,
        forwardClientCertDetails: "SANITIZE_SET",
        proxyProtocol: false,
      },
      tracing: { sampling: 1 },
      other: {},
    },
    other: {},
  } satisfies MeshConfig,
);

// ---------------------------------------------------------------------------------------------------------------
// Schemas: only the fields Portcullis uses are typed; the names of the other known fields are registered beside
// each message so that they get a note instead of an "unknown field" warning.

const UNUSED = new WeakMap<z.ZodType, readonly string[]>();
const REMOVED = new WeakMap<z.ZodType, readonly string[]>();

function message<S extends z.ZodRawShape>(
  shape: S,
  unused: readonly string[] = [],
  removed: readonly string[] = [],
): z.ZodObject<S> {
  const schema = z.object(shape);
  UNUSED.set(schema, unused);
  REMOVED.set(schema, removed);
  return schema;
}

/** A protobuf enum: its names, or its numbers as protobuf JSON also accepts. */
function protoEnum<const T extends string>(values: Readonly<Record<T, number>>) {
  const names = Object.keys(values) as [T, ...T[]];
  const byNumber = new Map<number, T>(names.map((n) => [values[n], n]));
  return z.preprocess(
    (v) => (typeof v === "number" && byNumber.has(v) ? byNumber.get(v) : v),
    z.enum(names),
  );
}

const str = z.string();
const bool = z.boolean();
const strList = z.array(z.string());
const record = z.record(z.string(), z.unknown());
const double = z.number().refine((n) => Number.isFinite(n), { message: "must be a finite number" });

const header = message({ name: str.optional(), value: str.optional(), envName: str.optional() });
const httpService = message({
  path: str.optional(),
  timeout: duration.optional(),
  headers: z.array(header).optional(),
});
const grpcService = message({ timeout: duration.optional(), initialMetadata: z.array(header).optional() });
const requestBody = message({
  maxRequestBytes: uint32.optional(),
  allowPartialMessage: bool.optional(),
  packAsBytes: bool.optional(),
});

const extAuthzHttp = message({
  service: str.optional(),
  port: uint32.optional(),
  timeout: duration.optional(),
  pathPrefix: str.optional(),
  failOpen: bool.optional(),
  clearRouteCache: bool.optional(),
  statusOnError: str.optional(),
  includeHeadersInCheck: strList.optional(),
  includeRequestHeadersInCheck: strList.optional(),
  includeAdditionalHeadersInCheck: z.record(z.string(), z.string()).optional(),
  includeRequestBodyInCheck: requestBody.optional(),
  headersToUpstreamOnAllow: strList.optional(),
  headersToDownstreamOnDeny: strList.optional(),
  headersToDownstreamOnAllow: strList.optional(),
});

const extAuthzGrpc = message({
  service: str.optional(),
  port: uint32.optional(),
  timeout: duration.optional(),
  failOpen: bool.optional(),
  clearRouteCache: bool.optional(),
  statusOnError: str.optional(),
  includeRequestBodyInCheck: requestBody.optional(),
});

const zipkin = message({
  service: str.optional(),
  port: uint32.optional(),
  maxTagLength: uint32.optional(),
  enable64bitTraceId: bool.optional(),
  path: str.optional(),
  traceContextOption: protoEnum({ USE_B3: 0, USE_B3_WITH_W3C_PROPAGATION: 1 }).optional(),
  timeout: duration.optional(),
  headers: z.array(header).optional(),
});

const opentelemetry = message({
  service: str.optional(),
  port: uint32.optional(),
  maxTagLength: uint32.optional(),
  http: httpService.optional(),
  grpc: grpcService.optional(),
  resourceDetectors: message({ environment: record.optional(), dynatrace: record.optional() }).optional(),
  serviceAttributeEnrichment: protoEnum({ ISTIO_CANONICAL: 0, OTEL_SEMANTIC_CONVENTIONS: 1 }).optional(),
  dynatraceSampler: record.optional(),
});

const fileAccessLog = message({
  path: str.optional(),
  logFormat: message({ text: str.optional(), labels: record.optional() }).optional(),
  omitEmptyValues: bool.optional(),
});

const TYPED_PROVIDERS = [
  "envoyExtAuthzHttp",
  "envoyExtAuthzGrpc",
  "zipkin",
  "opentelemetry",
  "envoyFileAccessLog",
] as const;
const OTHER_PROVIDERS: readonly OtherProviderType[] = [
  "lightstep",
  "datadog",
  "stackdriver",
  "opencensus",
  "skywalking",
  "prometheus",
  "envoyHttpAls",
  "envoyTcpAls",
  "envoyOtelAls",
  "sds",
];

const extensionProvider = message({
  name: str.optional(),
  envoyExtAuthzHttp: extAuthzHttp.optional(),
  envoyExtAuthzGrpc: extAuthzGrpc.optional(),
  zipkin: zipkin.optional(),
  opentelemetry: opentelemetry.optional(),
  envoyFileAccessLog: fileAccessLog.optional(),
  lightstep: record.optional(),
  datadog: record.optional(),
  stackdriver: record.optional(),
  opencensus: record.optional(),
  skywalking: record.optional(),
  prometheus: record.optional(),
  envoyHttpAls: record.optional(),
  envoyTcpAls: record.optional(),
  envoyOtelAls: record.optional(),
  sds: record.optional(),
});

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

const tracing = message({ sampling: double.optional() }, [
  "zipkin",
  "lightstep",
  "datadog",
  "stackdriver",
  "openCensusAgent",
  "customTags",
  "maxPathTagLength",
  "tlsSettings",
  "enableIstioTags",
]);

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
  "localityLbSetting",
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

const meshShape = {
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
const meshSchema = message(meshShape, UNUSED_MESH_FIELDS, REMOVED_MESH_FIELDS);

type MeshInput = { -readonly [K in keyof typeof meshShape]?: z.output<(typeof meshShape)[K]> };

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Where the MeshConfig fields sit in the file, and how to turn a path among them into a line and column. */
interface Source {
  readonly raw: unknown;
  locate(path: FieldPath, atKey: boolean): { line: number; col: number };
}

class Context {
  readonly others = new Map<string, Record<string, unknown>>();
  constructor(readonly file: string, readonly source: Source, readonly out: Diagnostic[]) {}

  report(severity: Severity, path: FieldPath, message: string, atKey = false): void {
    const at = this.source.locate(rawPath(this.source.raw, path), atKey);
    this.out.push({
      severity,
      file: this.file,
      ...at,
      resource: "MeshConfig",
      path: formatPath(path),
      message,
    });
  }

  other(path: FieldPath): Record<string, unknown> {
    const key = formatPath(path);
    let o = this.others.get(key);
    if (!o) this.others.set(key, o = {});
    return o;
  }
}

/**
 * Parses a mesh config file's text (see the module doc for the accepted shapes) and applies Istio's defaults.
 * Never throws: problems come back as diagnostics with file, line and column, and the fields in error keep their
 * defaults. Callers should refuse to start when any diagnostic is an error.
 */
export function parseMeshConfig(file: string, text: string): { mesh: MeshConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  try {
    const source = findMeshSource(file, text, diagnostics);
    if (source === undefined) return { mesh: DEFAULT_MESH_CONFIG, diagnostics };
    const ctx = new Context(file, source, diagnostics);
    return { mesh: buildMesh(ctx), diagnostics };
  } catch (e) {
    // A bug in this module must not take the gateway down with a stack trace.
    diagnostics.push(fileDiagnostic(file, `internal error reading mesh config: ${(e as Error).message}`));
    return { mesh: DEFAULT_MESH_CONFIG, diagnostics };
  }
}

/** Reads and parses the mesh config file at `path`. */
export async function loadMeshConfigFile(
  path: string,
): Promise<{ mesh: MeshConfig; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return {
      mesh: DEFAULT_MESH_CONFIG,
      diagnostics: [fileDiagnostic(path, `cannot read mesh config: ${(e as Error).message}`)],
    };
  }
  return parseMeshConfig(path, text);
}

function findMeshSource(file: string, text: string, out: Diagnostic[]): Source | undefined {
  const parsed = parseYamlFile(file, text);
  out.push(...parsed.diagnostics);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return undefined;
  if (parsed.documents.length === 0) return undefined; // an empty file: all defaults
  const doc = parsed.documents[0];
  if (parsed.documents.length > 1) {
    const extra = parsed.documents[1];
    out.push({
      severity: "error",
      file,
      ...extra.position([]),
      resource: "",
      path: "",
      message: `a mesh config file holds one YAML document; found ${parsed.documents.length}`,
    });
    return undefined;
  }
  const fail = (path: FieldPath, message: string, atKey = false) => {
    out.push({
      severity: "error",
      file,
      ...doc.position(path, atKey),
      resource: "",
      path: formatPath(path),
      message,
    });
    return undefined;
  };
  const noteUnused = (path: FieldPath, what: string) => {
    out.push({
      severity: "note",
      file,
      ...doc.position(path, true),
      resource: "",
      path: formatPath(path),
      message: `${what} is not used by Portcullis`,
    });
  };
  const value = doc.value;
  if (!isPlainObject(value)) {
    return fail([], "a mesh config must be a map of MeshConfig fields, a ConfigMap or an IstioOperator");
  }
  const at = (base: FieldPath): Source => ({
    raw: valueAt(value, base),
    locate: (path, atKey) => doc.position([...base, ...path], atKey),
  });

  if (value.kind === "ConfigMap") {
    const data = value.data;
    if (!isPlainObject(data) || !("mesh" in data)) return fail(["data"], "ConfigMap has no data.mesh");
    for (const key of Object.keys(data)) {
      if (key !== "mesh") noteUnused(["data", key], `ConfigMap key ${key}`);
    }
    const meshText = data.mesh;
    if (typeof meshText !== "string") {
      return fail(["data", "mesh"], "data.mesh must be a string holding the MeshConfig YAML");
    }
    return embeddedSource(file, text, doc, ["data", "mesh"], meshText, out);
  }
  const spec = value.spec;
  const isOperator = value.kind === "IstioOperator" ||
    (value.kind === undefined && isPlainObject(spec) && "meshConfig" in spec);
  if (isOperator) {
    if (!isPlainObject(spec)) return fail(["spec"], "IstioOperator has no spec");
    for (const key of Object.keys(spec)) {
      if (key !== "meshConfig") noteUnused(["spec", key], `IstioOperator field spec.${key}`);
    }
    if (spec.meshConfig === undefined || spec.meshConfig === null) return undefined;
    return at(["spec", "meshConfig"]);
  }
  if (typeof value.kind === "string" || typeof value.apiVersion === "string") {
    return fail(
      ["kind"],
      `expected MeshConfig fields, a ConfigMap with data.mesh or an IstioOperator with spec.meshConfig; found ${
        String(value.apiVersion ?? "")
      } ${String(value.kind ?? "")}`.trimEnd(),
    );
  }
  if ("meshConfig" in value) {
    // Helm values of the istiod chart: `meshConfig:` next to other chart values.
    for (const key of Object.keys(value)) if (key !== "meshConfig") noteUnused([key], `Helm value ${key}`);
    if (value.meshConfig === undefined || value.meshConfig === null) return undefined;
    return at(["meshConfig"]);
  }
  return at([]);
}

/** The MeshConfig YAML embedded in a ConfigMap string, with positions mapped back into the outer file. */
function embeddedSource(
  file: string,
  text: string,
  outer: YamlDocument,
  path: FieldPath,
  inner: string,
  out: Diagnostic[],
): Source | undefined {
  const start = outer.position(path);
  const lines = text.split(/\r\n|\r|\n/);
  const header = (lines[start.line - 1] ?? "").slice(start.col - 1);
  let map = (_p: { line: number; col: number }) => start;
  if (/^\|[0-9+-]*\s*(#.*)?$/.test(header)) {
    // A literal block scalar: inner line n is outer line start.line + n, shifted by the block's indentation.
    const first = lines.slice(start.line).find((l) => l.trim() !== "") ?? "";
    const indent = first.length - first.trimStart().length;
    map = (p) => ({ line: start.line + p.line, col: p.col + indent });
  }
  const parsed = parseYamlFile(file, inner);
  for (const d of parsed.diagnostics) out.push({ ...d, ...map(d), path: formatPath(path) });
  if (parsed.diagnostics.some((d) => d.severity === "error")) return undefined;
  if (parsed.documents.length === 0) return undefined;
  if (parsed.documents.length > 1) {
    out.push({
      severity: "error",
      file,
      ...map(parsed.documents[1].position([])),
      resource: "",
      path: formatPath(path),
      message: "data.mesh must hold one YAML document",
    });
    return undefined;
  }
  const doc = parsed.documents[0];
  if (!isPlainObject(doc.value)) {
    out.push({
      severity: "error",
      file,
      ...map(doc.position([])),
      resource: "",
      path: formatPath(path),
      message: "data.mesh must be a map of MeshConfig fields",
    });
    return undefined;
  }
  return { raw: doc.value, locate: (p, atKey) => map(doc.position(p, atKey)) };
}

/** Decodes, type-checks and defaults the MeshConfig fields. */
function buildMesh(ctx: Context): MeshConfig {
  const raw = ctx.source.raw;
  if (raw === null || raw === undefined) return DEFAULT_MESH_CONFIG;
  if (!isPlainObject(raw)) {
    ctx.report("error", [], "a mesh config must be a map of MeshConfig fields");
    return DEFAULT_MESH_CONFIG;
  }
  const normalized = normalize(meshSchema, raw, [], ctx) as Record<string, unknown>;
  const input: MeshInput = {};
  // Each field on its own, so that one bad field keeps its default and the rest still applies; extension
  // providers one by one for the same reason.
  for (const [key, value] of Object.entries(normalized)) {
    if (key === "extensionProviders" && Array.isArray(value)) {
      input.extensionProviders = value.flatMap((item, i) => {
        const parsed = extensionProvider.safeParse(item, { reportInput: true });
        if (parsed.success) return [parsed.data];
        for (const issue of parsed.error.issues) reportIssue(ctx, [key, i], issue);
        return [];
      });
      continue;
    }
    const schema = meshShape[key as keyof typeof meshShape];
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) (input as Record<string, unknown>)[key] = parsed.data;
    else for (const issue of parsed.error.issues) reportIssue(ctx, [key], issue);
  }
  return applyDefaults(input, ctx);
}

function applyDefaults(input: MeshInput, ctx: Context): MeshConfig {
  const d = DEFAULT_MESH_CONFIG;
  const normalization = input.pathNormalization?.normalization ?? "BASE";
  const retry = defaultRetry(input, ctx);
  const pc = input.defaultConfig;
  const fccd = pc?.gatewayTopology?.forwardClientCertDetails ?? "UNDEFINED";
  const mesh: MeshConfig = {
    outboundTrafficPolicy: { mode: input.outboundTrafficPolicy?.mode ?? d.outboundTrafficPolicy.mode },
    pathNormalization: { normalization: normalization === "DEFAULT" ? "BASE" : normalization },
    defaultHttpRetryPolicy: retry,
    extensionProviders: extensionProviders(input.extensionProviders ?? [], ctx),
    defaultProviders: {
      metrics: input.defaultProviders?.metrics ?? [],
      tracing: input.defaultProviders?.tracing ?? [],
      accessLogging: input.defaultProviders?.accessLogging ?? [],
    },
    accessLogFile: input.accessLogFile ?? d.accessLogFile,
    accessLogFormat: input.accessLogFormat ?? d.accessLogFormat,
    accessLogEncoding: input.accessLogEncoding ?? d.accessLogEncoding,
    enableTracing: input.enableTracing ?? d.enableTracing,
    trustDomain: input.trustDomain ?? d.trustDomain,
    // Istio merges the aliases with the defaults' (none) and sorts them.
    trustDomainAliases: [...new Set(input.trustDomainAliases ?? [])].sort(),
    rootNamespace: input.rootNamespace ?? d.rootNamespace,
    connectTimeout: input.connectTimeout ?? d.connectTimeout,
    protocolDetectionTimeout: input.protocolDetectionTimeout ?? d.protocolDetectionTimeout,
    dnsRefreshRate: input.dnsRefreshRate ?? d.dnsRefreshRate,
    defaultServiceExportTo: input.defaultServiceExportTo ?? d.defaultServiceExportTo,
    defaultVirtualServiceExportTo: input.defaultVirtualServiceExportTo ?? d.defaultVirtualServiceExportTo,
    defaultDestinationRuleExportTo: input.defaultDestinationRuleExportTo ?? d.defaultDestinationRuleExportTo,
    ingressClass: input.ingressClass ?? d.ingressClass,
    ingressService: input.ingressService ?? d.ingressService,
    ingressControllerMode: input.ingressControllerMode ?? d.ingressControllerMode,
    ingressSelector: input.ingressSelector ?? d.ingressSelector,
    defaultConfig: {
      gatewayTopology: {
        numTrustedProxies: pc?.gatewayTopology?.numTrustedProxies ?? 0,
        forwardClientCertDetails: fccd === "UNDEFINED" ? "SANITIZE_SET" : fccd,
        proxyProtocol: pc?.gatewayTopology?.proxyProtocol !== undefined,
      },
      tracing: { sampling: sampling(pc?.tracing?.sampling, ctx) },
      other: ctx.others.get("defaultConfig") ?? {},
    },
    other: ctx.others.get("") ?? {},
  };
  validateMesh(mesh, input, ctx);
  return mesh;
}

function defaultRetry(input: MeshInput, ctx: Context): HttpRetryPolicy {
  const p = input.defaultHttpRetryPolicy;
  if (p === undefined) return DEFAULT_MESH_CONFIG.defaultHttpRetryPolicy;
  if (p.attempts === undefined && Object.keys(p).length > 0) {
    ctx.report(
      "warning",
      ["defaultHttpRetryPolicy"],
      "attempts is not set, so it is 0 and retries are disabled mesh-wide; set attempts to keep retrying",
    );
  }
  if ((p.attempts ?? 0) < 0) {
    ctx.report("warning", ["defaultHttpRetryPolicy", "attempts"], "negative attempts disable retries");
  }
  return {
    attempts: Math.max(0, p.attempts ?? 0),
    // An empty retryOn keeps the default conditions (retry.go ConvertPolicy).
    retryOn: p.retryOn ? p.retryOn : DEFAULT_RETRY_ON,
    ...(p.perTryTimeout !== undefined ? { perTryTimeout: p.perTryTimeout } : {}),
    ...(p.retryRemoteLocalities !== undefined ? { retryRemoteLocalities: p.retryRemoteLocalities } : {}),
    ...(p.retryIgnorePreviousHosts !== undefined
      ? { retryIgnorePreviousHosts: p.retryIgnorePreviousHosts }
      : {}),
    ...(p.backoff !== undefined ? { backoff: p.backoff } : {}),
  };
}

function sampling(value: number | undefined, ctx: Context): number {
  // proto3: 0 is "unset", so PILOT_TRACE_SAMPLING (1%) applies; above 100 Istio falls back to 1%.
  if (value === undefined || value === 0) return 1;
  const at = ["defaultConfig", "tracing", "sampling"];
  if (value > 100) {
    ctx.report("warning", at, `sampling ${value} is above 100; Istio uses 1 instead`);
    return 1;
  }
  if (value < 0) {
    ctx.report("error", at, `sampling ${value} must be between 0 and 100`);
    return 1;
  }
  return value;
}

type ProviderInput = z.output<typeof extensionProvider>;

function extensionProviders(list: ProviderInput[], ctx: Context): ExtensionProvider[] {
  const result: ExtensionProvider[] = [...BUILTIN_PROVIDERS];
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    const at = ["extensionProviders", i];
    const types = [...TYPED_PROVIDERS, ...OTHER_PROVIDERS].filter((t) => p[t] !== undefined);
    if (types.length > 1) {
      ctx.report("error", at, `an extension provider sets exactly one provider; found ${types.join(", ")}`);
      return;
    }
    const name = p.name ?? "";
    if (name === "") {
      ctx.report(
        "warning",
        [...at, "name"],
        "empty extension provider name: the provider cannot be referenced",
      );
    } else if (seen.has(name)) {
      ctx.report(
        "warning",
        [...at, "name"],
        `duplicate extension provider name ${name}: it replaces extensionProviders[${
          seen.get(name)
        }] (as Istio does)`,
      );
    }
    seen.set(name, i);
    if (types.length === 0) {
      ctx.report("warning", at, `invalid extension provider ${name}: no provider type is set`);
      return;
    }
    const type = types[0];
    const provider = toProvider(name, type, p);
    validateProvider(provider, at, ctx);
    if (name === "") return;
    const existing = result.findIndex((e) => e.name === name);
    if (existing >= 0) result[existing] = provider;
    else result.push(provider);
  });
  return result;
}

function toProvider(
  name: string,
  type: (typeof TYPED_PROVIDERS)[number] | OtherProviderType,
  p: ProviderInput,
): ExtensionProvider {
  switch (type) {
    case "envoyExtAuthzHttp":
      return { name, type, envoyExtAuthzHttp: p.envoyExtAuthzHttp! };
    case "envoyExtAuthzGrpc":
      return { name, type, envoyExtAuthzGrpc: p.envoyExtAuthzGrpc! };
    case "zipkin":
      return { name, type, zipkin: p.zipkin! };
    case "opentelemetry":
      return { name, type, opentelemetry: p.opentelemetry! };
    case "envoyFileAccessLog":
      return { name, type, envoyFileAccessLog: p.envoyFileAccessLog! };
    default:
      return { name, type, config: p[type] ?? {} } satisfies ExtensionProvider;
  }
}

/** The checks of istio/istio `pkg/config/validation/agent/extensionprovider.go`; istiod only logs them. */
function validateProvider(p: ExtensionProvider, at: FieldPath, ctx: Context): void {
  const body = "config" in p ? p.config : (p as unknown as Record<string, Record<string, unknown>>)[p.type];
  const where = [...at, p.type];
  const warn = (field: string | undefined, message: string) =>
    ctx.report(
      "warning",
      field ? [...where, field] : where,
      `invalid extension provider ${p.name}: ${message}`,
    );
  const checkServicePort = () => {
    const service = typeof body.service === "string" ? body.service : "";
    const serviceError = validateProviderService(service);
    if (serviceError) warn("service", serviceError);
    const port = typeof body.port === "number" ? body.port : 0;
    if (!(port >= 1 && port <= 65535)) warn("port", `port number ${port} must be in the range 1..65535`);
  };
  switch (p.type) {
    case "prometheus":
    case "stackdriver":
    case "envoyFileAccessLog":
      return;
    case "sds":
      warn(undefined, "unsupported provider: sds");
      return;
    case "lightstep":
      checkServicePort();
      if (!body.accessToken) warn("accessToken", "access token is required");
      return;
    case "envoyExtAuthzHttp":
    case "envoyExtAuthzGrpc": {
      checkServicePort();
      const status = body.statusOnError;
      if (typeof status === "string" && status !== "") {
        if (!/^[+-]?\d+$/.test(status)) warn("statusOnError", `invalid statusOnError value ${status}`);
        else if (!ENVOY_STATUS_CODES.has(Number(status))) {
          warn("statusOnError", `unsupported statusOnError value ${status}`);
        }
      }
      const prefix = body.pathPrefix;
      if (typeof prefix === "string" && prefix !== "" && !prefix.startsWith("/")) {
        warn("pathPrefix", `pathPrefix should begin with \`/\` but found ${JSON.stringify(prefix)}`);
      }
      return;
    }
    case "opentelemetry":
      checkServicePort();
      if (body.grpc !== undefined && body.http !== undefined) {
        warn(undefined, "OpenTelemetryTracingProvider cannot specify both grpc and http");
      }
      return;
    default:
      checkServicePort();
  }
}

/** Envoy `type.v3.StatusCode` values (statusOnError must be one of them). */
const ENVOY_STATUS_CODES = new Set([
  0,
  100,
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
  421,
  422,
  423,
  424,
  426,
  428,
  429,
  431,
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

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WILDCARD_LABEL = /^(\*|\*?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

function validateFqdn(host: string): string | undefined {
  if (host.length === 0) return "empty domain name not allowed";
  if (host.length > 255) return `domain name ${JSON.stringify(host)} too long (max 255)`;
  return validateLabels(host);
}

function validateLabels(domain: string): string | undefined {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) {
    return `domain name ${JSON.stringify(domain)} invalid (top level domain ${
      JSON.stringify(tld)
    } cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (parts[i].length > 63 || !DNS1123_LABEL.test(parts[i])) {
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(parts[i])} invalid)`;
    }
  }
  return undefined;
}

function isIp(s: string): boolean {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((o) => Number(o) <= 255);
  if (!s.includes(":")) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

function validateProviderService(service: string): string | undefined {
  if (service === "") return "service must not be empty";
  const slash = service.indexOf("/");
  if (slash < 0) {
    if (validateFqdn(service) === undefined || isIp(service)) return undefined;
    return `invalid service fmt ${service}: ${service} is not a valid IP`;
  }
  const ns = service.slice(0, slash);
  const host = service.slice(slash + 1);
  if (ns === "" || host === "") return "config namespace and dnsName in host entry cannot be empty";
  if (!["*", ".", "~"].includes(ns) && !DNS1123_LABEL.test(ns)) {
    return `invalid namespace value ${JSON.stringify(ns)} in sidecar`;
  }
  if (host !== "*" && !host.includes(".")) return "short names (non FQDN) are not allowed";
  const [first, ...rest] = host.split(".");
  if (!WILDCARD_LABEL.test(first) || (rest.length > 0 && validateLabels(rest.join(".")) !== undefined)) {
    return `domain name ${JSON.stringify(host)} invalid`;
  }
  if (host.includes("*") && host !== "*" && !host.startsWith("*.")) {
    return `partial wildcard ${JSON.stringify(host)} not allowed`;
  }
  return undefined;
}

/** ValidateMeshConfig's checks on the fields Portcullis reads. */
function validateMesh(mesh: MeshConfig, input: MeshInput, ctx: Context): void {
  if (input.connectTimeout !== undefined) {
    const ms = parseDuration(input.connectTimeout) ?? 0;
    if (ms < 1) {
      ctx.report("error", ["connectTimeout"], "invalid connect timeout: duration must be greater than 1ms");
    } else if (!Number.isInteger(ms)) {
      ctx.report(
        "error",
        ["connectTimeout"],
        "invalid connect timeout: only durations to ms precision are supported",
      );
    } else if (ms > 3_600_000) {
      ctx.report(
        "error",
        ["connectTimeout"],
        `invalid connect timeout: time ${input.connectTimeout} must be >1ms and <1h0m0s`,
      );
    }
  }
  if (input.protocolDetectionTimeout !== undefined) {
    const ms = parseDuration(input.protocolDetectionTimeout) ?? 0;
    if (!Number.isInteger(ms)) {
      ctx.report(
        "error",
        ["protocolDetectionTimeout"],
        "invalid protocol detection timeout: only durations to ms precision are supported",
      );
    }
  }
  const trustDomainError = validateTrustDomain(mesh.trustDomain);
  if (trustDomainError) ctx.report("error", ["trustDomain"], `trustDomain: ${trustDomainError}`);
  (input.trustDomainAliases ?? []).forEach((alias, i) => {
    const err = validateTrustDomain(alias);
    if (err) {
      ctx.report(
        "error",
        ["trustDomainAliases", i],
        `trustDomainAliases[${i}], domain \`${alias}\` : ${err}`,
      );
    }
  });
  const names = new Set(mesh.extensionProviders.map((p) => p.name));
  for (const kind of ["metrics", "tracing", "accessLogging"] as const) {
    mesh.defaultProviders[kind].forEach((name, i) => {
      if (!names.has(name)) {
        ctx.report(
          "warning",
          ["defaultProviders", kind, i],
          `default ${kind} provider ${JSON.stringify(name)} is not defined in extensionProviders`,
        );
      }
    });
  }
}

function validateTrustDomain(domain: string): string | undefined {
  if (domain === "") return "empty domain name not allowed";
  const parts = domain.split(".");
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (parts[i].length > 63 || !DNS1123_LABEL.test(parts[i])) {
      return `trust domain name ${JSON.stringify(domain)} invalid`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Protobuf-JSON style decoding: snake_case names, null as unset, unknown and unused fields reported.

/**
 * Walks `value` along `schema`: renames snake_case keys to the schema's camelCase, drops `null` fields, and
 * reports and sets aside fields the schema does not type (unused known fields: note; unknown fields: warning).
 */
function normalize(schema: z.ZodType, value: unknown, path: FieldPath, ctx: Context): unknown {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject && isPlainObject(value)) {
    const shape = s.shape as Record<string, z.ZodType>;
    const unused = UNUSED.get(s) ?? [];
    const removed = REMOVED.get(s) ?? [];
    const out: Record<string, unknown> = {};
    const origin: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      const name = [key, camel(key)].find((n) => Object.hasOwn(shape, n) || unused.includes(n)) ??
        [key, camel(key)].find((n) => removed.includes(n));
      const fieldPath = [...path, name ?? key];
      if (name !== undefined && Object.hasOwn(origin, name)) {
        ctx.report("error", fieldPath, `field ${name} is set twice (as ${origin[name]} and ${key})`, true);
        continue;
      }
      if (name !== undefined) origin[name] = key;
      if (name !== undefined && Object.hasOwn(shape, name)) {
        if (v === null) continue; // protobuf JSON: null leaves the field unset
        out[name] = normalize(shape[name], v, fieldPath, ctx);
      } else if (name !== undefined && unused.includes(name)) {
        ctx.report("note", fieldPath, `field ${formatPath(fieldPath)} is not used by Portcullis`, true);
        setOwn(ctx.other(path), name, v);
      } else if (name !== undefined) {
        ctx.report("warning", fieldPath, `field ${name} was removed from Istio's API and is ignored`, true);
        setOwn(ctx.other(path), name, v);
      } else {
        ctx.report("warning", fieldPath, `unknown field "${key}" (Istio ignores unknown fields)`, true);
        setOwn(ctx.other(path), key, v);
      }
    }
    return out;
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((v, i) => normalize(s.element as z.ZodType, v, [...path, i], ctx));
  }
  return value;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else break;
  }
  return s;
}

/** `max_tag_length` → `maxTagLength`, as protoc derives JSON names. */
function camel(name: string): string {
  return name.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Maps a path of schema field names back to the keys as written (which may be snake_case). */
function rawPath(raw: unknown, path: FieldPath): FieldPath {
  const out: (string | number)[] = [];
  let node = raw;
  for (const part of path) {
    if (typeof part === "string" && isPlainObject(node)) {
      const key = Object.hasOwn(node, part) ? part : Object.keys(node).find((k) => camel(k) === part) ?? part;
      out.push(key);
      node = node[key];
    } else {
      out.push(part);
      node = Array.isArray(node) && typeof part === "number" ? node[part] : undefined;
    }
  }
  return out;
}

function reportIssue(ctx: Context, base: FieldPath, issue: z.core.$ZodIssue): void {
  const path: FieldPath = [...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) ctx.report("error", path, "Required value");
      else ctx.report("error", path, `must be of type ${typeName(issue.expected)}: ${describe(issue.input)}`);
      return;
    case "invalid_value":
      ctx.report(
        "error",
        path,
        `Unsupported value: ${describe(issue.input)}: supported values: ${
          issue.values.map((v) => JSON.stringify(v)).join(", ")
        }`,
      );
      return;
    case "unrecognized_keys":
      for (const key of issue.keys) ctx.report("warning", [...path, key], `unknown field "${key}"`, true);
      return;
    case "invalid_union":
      for (const n of issue.errors.flat()) {
        reportIssue(ctx, base, { ...n, path: [...issue.path, ...n.path] } as z.core.$ZodIssue);
      }
      if (issue.errors.flat().length === 0) ctx.report("error", path, issue.message);
      return;
    default:
      ctx.report("error", path, issue.message);
  }
}

function typeName(expected: string): string {
  return expected === "record" ? "object" : expected === "int" ? "integer" : expected;
}

function describe(input: unknown): string {
  if (input === null) return '"null"';
  if (Array.isArray(input)) return '"array"';
  if (typeof input === "object") return '"object"';
  if (typeof input === "bigint") return input.toString();
  return JSON.stringify(input) ?? String(input);
}

// ---------------------------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const part of path) {
    if (isPlainObject(node) && typeof part === "string") node = node[part];
    else if (Array.isArray(node) && typeof part === "number") node = node[part];
    else return undefined;
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
