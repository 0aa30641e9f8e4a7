/**
 * The types of MeshConfig `extensionProviders`: the ext_authz servers, tracers and access-log sinks that
 * AuthorizationPolicy and Telemetry resources refer to by name.
 * @module
 */
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
