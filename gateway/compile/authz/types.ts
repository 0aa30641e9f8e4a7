/**
 * The compiled form of the AuthorizationPolicies applying to a gateway: one predicate per rule (Envoy's RBAC
 * policies are per rule), grouped by action, and the CUSTOM action's ext_authz provider.
 * @module
 */
import type { IpAddress } from "./ip.ts";

/** The request attributes rules read (Envoy's RBAC inputs at the point the filter runs). */
export interface AuthzAttributes {
  /** `:method`. */
  readonly method: string;
  /** `:authority` as received (port included). */
  readonly authority: string;
  /** The normalized path without query. */
  readonly path: string;
  /** `destination.port`: the port the listener is bound to. */
  readonly destinationPort: number;
  /** `connection.sni`: the requested server name; empty without TLS. */
  readonly sni: string;
  /** A request header by lower-case name (pseudo-headers `:method`, `:path`, `:authority`, `:scheme` too). */
  header(name: string): string | null;
  /** `source.ip`: the peer address. */
  sourceIp(): IpAddress | undefined;
  /** `remote.ip`: the client address after X-Forwarded-For with `numTrustedProxies`. */
  remoteIp(): IpAddress | undefined;
  /** `destination.ip`: the local address, when the listener is bound to one. */
  destinationIp(): IpAddress | undefined;
  /** The peer's authenticated identity (mTLS principal); undefined without a client certificate. */
  readonly peerPrincipal?: string;
  /** The verified JWT's payload (`request.auth.*`); undefined without one. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** One rule of one policy, ready to run. */
export interface CompiledAuthzRule {
  /** Envoy's policy name for it: `ns[<ns>]-policy[<name>]-rule[<i>]`. */
  readonly id: string;
  /** `namespace/name` of the AuthorizationPolicy. */
  readonly policy: string;
  readonly matches: (attrs: AuthzAttributes) => boolean;
}

/** An `envoyExtAuthzHttp` provider resolved to a cluster, as Envoy's HTTP ext_authz filter is configured. */
export interface CompiledExtAuthz {
  /** The provider's name in MeshConfig `extensionProviders`. */
  readonly name: string;
  /** `outbound|<port>||<host>`. */
  readonly cluster: string;
  readonly pathPrefix: string;
  /** Whole-check timeout (Istio's default 600s). */
  readonly timeoutMs: number;
  /** `failOpen`: an unreachable or failing server lets the request through. */
  readonly failOpen: boolean;
  /** Status of the reply when the server cannot be asked or fails (default 403). */
  readonly statusOnError: number;
  /** Request headers sent in the check besides `authorization`, `:method`, `:path` and `:authority`. */
  readonly requestHeaders: HeaderNameTest;
  /** `includeAdditionalHeadersInCheck`, by header name (set, replacing any value). */
  readonly additionalHeaders: readonly (readonly [string, string])[];
  /** Check-response headers copied onto the upstream request on allow; none by default. */
  readonly upstreamOnAllow: HeaderNameTest;
  /** Check-response headers sent to the client on deny; undefined: all of them but `host`. */
  readonly downstreamOnDeny?: HeaderNameTest;
  /** Check-response headers added to the client response on allow; none by default. */
  readonly downstreamOnAllow: HeaderNameTest;
  /** `includeRequestBodyInCheck`: the request body (up to `maxBytes`) is sent in the check. */
  readonly body?: { readonly maxBytes: number; readonly allowPartial: boolean };
}

/** A test on a header name (lower case). */
export type HeaderNameTest = (name: string) => boolean;

/** The CUSTOM policies of the gateway and the provider they delegate to. */
export interface CompiledCustomAuthz {
  readonly rules: readonly CompiledAuthzRule[];
  /** The provider, or why it cannot be used (then the rules deny what they match, as istiod configures it). */
  readonly provider: CompiledExtAuthz | { readonly error: string };
}

/** The AuthorizationPolicies applying to a gateway, by action, each list in Envoy's (name) order. */
export interface CompiledAuthz {
  readonly custom?: CompiledCustomAuthz;
  readonly deny: readonly CompiledAuthzRule[];
  /** Undefined when no ALLOW policy applies (everything not denied is allowed). */
  readonly allow?: readonly CompiledAuthzRule[];
  /** AUDIT rules: they only mark requests (for a logging plugin) and never change the outcome. */
  readonly audit: readonly CompiledAuthzRule[];
  /** `namespace/name` of the policies with `istio.io/dry-run: "true"`: evaluated by Istio in shadow mode only. */
  readonly dryRun: readonly string[];
}
