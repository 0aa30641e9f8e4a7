/**
 * Istio's MeshConfig defaults (istio/istio `pkg/config/mesh/mesh.go`), as a gateway sees them with no `--mesh`
 * file.
 * @module
 */
import type { ExtensionProvider } from "./provider_types.ts";
import type { MeshConfig } from "./types.ts";

/** The default retry-on conditions (route/retry/retry.go). */
export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/** The providers Istio always defines, ahead of the configured ones. */
export const BUILTIN_PROVIDERS: readonly ExtensionProvider[] = [
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
    localityLbSetting: { enabled: true },
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
      tracing: { sampling: 1, customTags: {}, maxPathTagLength: 0 },
      other: {},
    },
    other: {},
  } satisfies MeshConfig,
);

/** Freezes `value` and everything reachable from it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
