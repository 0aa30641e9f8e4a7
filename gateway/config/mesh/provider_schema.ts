/**
 * The schema of one MeshConfig `extensionProviders[]` entry: typed bodies for the providers Portcullis uses,
 * plain records for the others.
 * @module
 */
import { z } from "zod";
import { duration } from "../schema/common.ts";
import type { OtherProviderType } from "./provider_types.ts";
import { bool, message, protoEnum, protoUint32 as uint32, record, str, strList } from "./proto.ts";

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

/** The provider types whose bodies are typed. */
export const TYPED_PROVIDERS = [
  "envoyExtAuthzHttp",
  "envoyExtAuthzGrpc",
  "zipkin",
  "opentelemetry",
  "envoyFileAccessLog",
] as const;
/** The provider types whose bodies are kept as plain records. */
export const OTHER_PROVIDERS: readonly OtherProviderType[] = [
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

/** One `extensionProviders[]` entry, at most one provider type set (checked later). */
export const extensionProvider = message({
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

/** A decoded `extensionProviders[]` entry. */
export type ProviderInput = z.output<typeof extensionProvider>;
