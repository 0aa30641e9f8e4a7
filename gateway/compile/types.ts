/**
 * The compiled form of a config: what the data path reads. Everything here is built once per config change
 * and never mutated; a request keeps the snapshot it started with.
 * @module
 */
import type { CompiledWasmPlugin } from "./wasm_plugins.ts";
import type { CompiledJwtRule } from "./request_authn.ts";
import type { CompiledAuthz } from "./authz/types.ts";
import type { Diagnostic } from "../config/diagnostics.ts";
import type { ConfigSet } from "../config/config_set.ts";
import type { ClientTLSSettings, TrafficPolicy } from "../config/kinds/networking/destination_rule.ts";
import type { ServerTLSSettings } from "../config/kinds/networking/gateway.ts";
import type {
  CorsPolicy,
  Headers as HeaderRules,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRetry,
  HTTPRewrite,
} from "../config/kinds/networking/virtual_service.ts";
import type { LocalityLbSetting, MeshConfig } from "../config/mesh/mod.ts";
import type { ServerHost } from "../config/hosts.ts";

/** How a listener treats its bytes: plain HTTP, TLS terminated then HTTP, TLS passed through by SNI, raw TCP. */
export type ListenerProtocol = "HTTP" | "HTTPS" | "TLS" | "TCP";

/** One Gateway server as merged onto a port. */
export interface ServerConfig {
  /** `namespace/name` of the Gateway that declared it. */
  readonly gateway: string;
  readonly index: number;
  readonly portName: string;
  readonly protocol: string;
  readonly hosts: readonly ServerHost[];
  readonly tls?: ServerTLSSettings;
  /** Name of the route table serving this server (`http.8080`, `https.443.https.gw.ns`). */
  readonly routeName: string;
}

/** A port the gateway listens on, with every server merged onto it. */
export interface ListenerConfig {
  /** Envoy-style name, `0.0.0.0_8080`. */
  readonly name: string;
  readonly port: number;
  readonly bind: string;
  readonly protocol: ListenerProtocol;
  readonly servers: readonly ServerConfig[];
}

/** What a route matcher looks at in a request. */
export interface MatchInput {
  readonly method: string;
  /** Path without query string or fragment. */
  readonly path: string;
  /** Raw query string without `?` (may be empty). */
  readonly query: string;
  /** Header lookup by lower-case name; repeated headers joined with `,`. */
  header(name: string): string | null;
  readonly authority: string;
  readonly scheme: string;
  readonly port: number;
  /** Claims of the JWT verified for this request, once authentication ran. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** A compiled `HTTPMatchRequest` (or the empty match). */
export interface RouteMatcher {
  /** True for a match on everything (prefix `/` or nothing), which Istio orders last within a host. */
  readonly catchAll: boolean;
  readonly spec?: HTTPMatchRequest;
  test(input: MatchInput): boolean;
}

/** A destination of a weighted route. */
export interface WeightedCluster {
  /** `outbound|PORT|SUBSET|HOST`. */
  readonly cluster: string;
  readonly host: string;
  readonly subset?: string;
  readonly port: number;
  readonly weight: number;
  readonly headers?: HeaderRules;
}

/** What a route does once it matched. */
export type RouteAction =
  | { readonly kind: "route"; readonly clusters: readonly WeightedCluster[]; readonly totalWeight: number }
  | { readonly kind: "redirect"; readonly redirect: HTTPRedirect; readonly status: number }
  | { readonly kind: "directResponse"; readonly status: number; readonly body?: Uint8Array<ArrayBuffer> };

/** A mirror target with the share of requests copied to it (0-100). */
export interface MirrorTarget {
  readonly cluster: string;
  readonly host: string;
  readonly percentage: number;
}

/** One route of a virtual host: a match, an action and the per-route policies Istio attaches. */
export interface RouteEntry {
  /** Istio route name: `http[].name`, with `.` and the match name when both are set; empty when unnamed. */
  readonly name: string;
  /** `namespace/name` of the VirtualService the route came from. */
  readonly virtualService: string;
  /** Index of the `http[]` rule and of its `match[]` entry (undefined for a rule without matches). */
  readonly rule: number;
  readonly matchIndex?: number;
  readonly match: RouteMatcher;
  readonly action: RouteAction;
  /**
   * The route's decorator operation, sent upstream as `x-envoy-decorator-operation`: the destination's
   * `host:port<path>` (from its cluster name) for a single destination, `vsName:listenerPort<path>` otherwise,
   * with `<path>` the prefix plus `*`, the exact path, the regex, or `/*` (Istio's `getRouteOperation`).
   */
  readonly operation: string;
  readonly rewrite?: HTTPRewrite;
  readonly headers?: HeaderRules;
  /** Route timeout in ms; undefined means none, as in Istio. */
  readonly timeoutMs?: number;
  readonly retries?: HTTPRetry;
  readonly fault?: HTTPFaultInjection;
  readonly mirrors: readonly MirrorTarget[];
  readonly cors?: CorsPolicy;
}

/** A virtual host: the domains it serves and its ordered routes. */
export interface VirtualHost {
  /** `host:port`, as Istio names gateway virtual hosts. */
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly RouteEntry[];
  /** Set for servers with `tls.httpsRedirect`: every plain-text request gets a 301 to https. */
  readonly requireTls: boolean;
}

/** Host lookup for one route table. */
export interface RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHost[];
  /** The virtual host for a request authority (port ignored): exact, then longest wildcard suffix, then `*`. */
  lookup(authority: string): VirtualHost | undefined;
}

/** A backend address of a cluster. */
export interface Endpoint {
  /** IP address or DNS name. */
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly weight: number;
  readonly locality?: string;
  readonly network?: string;
}

/**
 * Locality load balancing of a cluster as Istio programs it for this gateway: the `localityLbSetting` in force
 * and the gateway's place, from which `upstream/locality_plan.ts` assigns the endpoints' priorities and locality
 * weights. Set only when it can change anything: `distribute` is given, or failover is on.
 */
export interface ClusterLocalityLb {
  /** The DestinationRule's setting, else meshConfig's. */
  readonly setting: LocalityLbSetting;
  /** Failover applies: the cluster has `outlierDetection` (Istio's condition for priorities). */
  readonly failover: boolean;
  /** The gateway's locality, `region/zone/subzone`; empty when unknown. */
  readonly proxyLocality: string;
  /** The gateway's labels plus its topology labels (region, zone, subzone, network), for `failoverPriority`. */
  readonly proxyLabels: Readonly<Record<string, string>>;
}

/** How a cluster finds its endpoints (ServiceEntry `resolution`). */
export type Resolution = "NONE" | "STATIC" | "DNS" | "DNS_ROUND_ROBIN" | "DYNAMIC_DNS";

/** An upstream cluster: one service port, optionally narrowed to a subset. */
export interface Cluster {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly subset?: string;
  /** Protocol of the service port (HTTP, HTTPS, GRPC, TCP, TLS ...). */
  readonly protocol: string;
  readonly resolution: Resolution;
  readonly endpoints: readonly Endpoint[];
  /** DestinationRule policy after Istio's merge (top level, port level, subset, subset port level). */
  readonly trafficPolicy?: TrafficPolicy;
  readonly tls?: ClientTLSSettings;
  /** Locality load balancing; absent when it is off or has no effect. */
  readonly localityLb?: ClusterLocalityLb;
  /** `namespace/name` of the ServiceEntry and DestinationRule it came from. */
  readonly serviceEntry?: string;
  readonly destinationRule?: string;
}

/** Everything the data path needs, compiled from one valid config. */
export interface Snapshot {
  /** Increments with each config change that compiled. */
  readonly version: number;
  readonly createdAt: string;
  readonly mesh: MeshConfig;
  readonly listeners: readonly ListenerConfig[];
  readonly routeTables: ReadonlyMap<string, RouteTable>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** The validated resources the snapshot was compiled from. */
  readonly config: ConfigSet;
  /** Warnings from validation and compilation. */
  readonly warnings: readonly Diagnostic[];
  /** Every WasmPlugin applying to this gateway (HTTP and NETWORK), in namespace-then-creation order. */
  readonly wasmPlugins: readonly CompiledWasmPlugin[];
  /** The WasmPlugin filter chain per listener port, in run order; ports without plugins are absent. */
  readonly wasmChains: ReadonlyMap<number, readonly CompiledWasmPlugin[]>;
  /** The JWT rules of every RequestAuthentication applying to this gateway; absent when there are none. */
  readonly jwtRules?: readonly CompiledJwtRule[];
  /** The AuthorizationPolicies applying to this gateway, compiled; absent when there are none. */
  readonly authz?: CompiledAuthz;
}
