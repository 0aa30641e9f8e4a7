/**
 * The MeshConfig a gateway runs with (istio/api `mesh/v1alpha1/config.proto`), every default applied, and the
 * part of ProxyConfig (`defaultConfig`) it uses.
 * @module
 */
import type { ExtensionProvider } from "./provider_types.ts";

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

/**
 * `istio.networking.v1alpha3.LocalityLoadBalancerSetting`, as MeshConfig `localityLbSetting` and a
 * DestinationRule's `loadBalancer.localityLbSetting` hold it.
 */
export interface LocalityLbSetting {
  /** `false` turns locality load balancing off; unset or `null` leaves it on. */
  readonly enabled?: boolean | null;
  /** Traffic shares by locality, for the gateway localities matching `from` (weights in each `to` sum to 100). */
  readonly distribute?: readonly { readonly from?: string; readonly to?: Readonly<Record<string, number>> }[];
  /** Region to fail over to once the gateway's own region has no healthy endpoints. */
  readonly failover?: readonly { readonly from?: string; readonly to?: string }[];
  /** Labels (optionally `label=value`) ordering endpoints by how many of them match the gateway's. */
  readonly failoverPriority?: readonly string[];
}

/** A `defaultConfig.tracing.customTags` entry: exactly one of a literal, an environment variable or a header. */
export interface MeshCustomTag {
  readonly literal?: { readonly value?: string };
  readonly environment?: { readonly name?: string; readonly defaultValue?: string };
  readonly header?: { readonly name?: string; readonly defaultValue?: string };
}

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
    /** Span tags added to every span, used when the Telemetry API sets no `customTags`. */
    readonly customTags: Readonly<Record<string, MeshCustomTag>>;
    /** Longest request path in the `http.url` tag; 0 = Envoy's default (256). */
    readonly maxPathTagLength: number;
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
  /** The default for DestinationRules without `localityLbSetting` (Istio's default: `{enabled: true}`). */
  readonly localityLbSetting: LocalityLbSetting;
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
