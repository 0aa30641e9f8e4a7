/**
 * `networking.istio.io` VirtualService: the schema of its spec (istio/api `networking/v1alpha3/virtual_service.proto`
 * and the CRD generated from it) and the types the router compiler reads. The webhook's rules live in
 * `virtual_service_rules.ts`.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import {
  exportTo,
  int32,
  percent,
  positiveDuration,
  stringMap,
  stringMatch,
  uint32,
} from "../../schema/common.ts";
import { validateVirtualService } from "./virtual_service_rules.ts";

/** A proto wrapper field (`BoolValue`, `UInt32Value`): the CRD marks it nullable; `null` reads as unset. */
function wrapper<T extends z.ZodType>(schema: T) {
  return schema.nullable().transform((v) => v ?? undefined).optional();
}

const base64 = z.string().regex(
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  "must be base64 encoded bytes",
);

const portSelector = z.strictObject({ number: uint32.optional() });

const destination = z.strictObject({
  host: z.string(),
  subset: z.string().optional(),
  port: portSelector.optional(),
});

const headerOperations = z.strictObject({
  set: stringMap.optional(),
  add: stringMap.optional(),
  remove: z.array(z.string()).optional(),
});

const headers = z.strictObject({
  request: headerOperations.optional(),
  response: headerOperations.optional(),
});

const stringMatchMap = z.record(z.string(), stringMatch);

const httpMatchRequest = z.strictObject({
  name: z.string().optional(),
  uri: stringMatch.optional(),
  scheme: stringMatch.optional(),
  method: stringMatch.optional(),
  authority: stringMatch.optional(),
  headers: stringMatchMap.optional(),
  port: uint32.optional(),
  sourceLabels: stringMap.optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: stringMatchMap.optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: stringMatchMap.optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});

const httpRouteDestination = z.strictObject({
  destination,
  weight: int32.optional(),
  headers: headers.optional(),
});

const httpRedirect = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: uint32.optional(),
  derivePort: z.enum(["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"]).optional(),
  scheme: z.string().optional(),
  redirectCode: uint32.optional(),
  prefixRewrite: z.string().optional(),
}).refine((r) => r.port === undefined || r.derivePort === undefined, {
  message: "only one of port or derivePort may be set",
});

const httpBody = z.strictObject({
  string: z.string().optional(),
  bytes: base64.optional(),
}).refine((b) => b.string === undefined || b.bytes === undefined, {
  message: "only one of string or bytes may be set",
});

const httpDirectResponse = z.strictObject({
  status: uint32,
  body: httpBody.optional(),
});

const delegate = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
});

const regexRewrite = z.strictObject({
  match: z.string().optional(),
  rewrite: z.string().optional(),
});

const httpRewrite = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: regexRewrite.optional(),
});

const httpRetry = z.strictObject({
  attempts: int32.optional(),
  perTryTimeout: positiveDuration.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: wrapper(z.boolean()),
  retryIgnorePreviousHosts: wrapper(z.boolean()),
  backoff: positiveDuration.optional(),
});

const faultDelay = z.strictObject({
  percent: int32.optional(),
  fixedDelay: positiveDuration.optional(),
  exponentialDelay: positiveDuration.optional(),
  percentage: percent.optional(),
}).refine((d) => d.fixedDelay === undefined || d.exponentialDelay === undefined, {
  message: "only one of fixedDelay or exponentialDelay may be set",
});

const faultAbort = z.strictObject({
  httpStatus: int32.optional(),
  grpcStatus: z.string().optional(),
  http2Error: z.string().optional(),
  percentage: percent.optional(),
}).refine(
  (a) => [a.httpStatus, a.grpcStatus, a.http2Error].filter((v) => v !== undefined).length <= 1,
  { message: "only one of httpStatus, grpcStatus or http2Error may be set" },
);

const httpFaultInjection = z.strictObject({
  delay: faultDelay.optional(),
  abort: faultAbort.optional(),
});

const httpMirrorPolicy = z.strictObject({
  destination,
  percentage: percent.optional(),
});

const corsPolicy = z.strictObject({
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(stringMatch).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: positiveDuration.optional(),
  allowCredentials: wrapper(z.boolean()),
  unmatchedPreflights: z.enum(["UNSPECIFIED", "FORWARD", "IGNORE"]).optional(),
});

const httpRoute = z.strictObject({
  name: z.string().optional(),
  match: z.array(httpMatchRequest).optional(),
  route: z.array(httpRouteDestination).optional(),
  redirect: httpRedirect.optional(),
  directResponse: httpDirectResponse.optional(),
  delegate: delegate.optional(),
  rewrite: httpRewrite.optional(),
  timeout: positiveDuration.optional(),
  retries: httpRetry.optional(),
  fault: httpFaultInjection.optional(),
  mirror: destination.optional(),
  mirrors: z.array(httpMirrorPolicy).optional(),
  /** Deprecated; the CRD also accepts the proto name `mirror_percent`. */
  mirrorPercent: wrapper(uint32),
  mirror_percent: wrapper(uint32),
  mirrorPercentage: percent.optional(),
  corsPolicy: corsPolicy.optional(),
  headers: headers.optional(),
});

const routeDestination = z.strictObject({
  destination,
  weight: int32.optional(),
});

const tlsMatchAttributes = z.strictObject({
  sniHosts: z.array(z.string()),
  destinationSubnets: z.array(z.string()).optional(),
  port: uint32.optional(),
  sourceLabels: stringMap.optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
});

const l4MatchAttributes = z.strictObject({
  destinationSubnets: z.array(z.string()).optional(),
  port: uint32.optional(),
  sourceSubnet: z.string().optional(),
  sourceLabels: stringMap.optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
});

const tlsRoute = z.strictObject({
  match: z.array(tlsMatchAttributes),
  route: z.array(routeDestination).optional(),
});

const tcpRoute = z.strictObject({
  match: z.array(l4MatchAttributes).optional(),
  route: z.array(routeDestination).optional(),
});

const virtualServiceSpec = z.strictObject({
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  http: z.array(httpRoute).optional(),
  tls: z.array(tlsRoute).optional(),
  tcp: z.array(tcpRoute).optional(),
  exportTo: exportTo.optional(),
});

/** The VirtualService kind. */
export const virtualServiceKind = defineKind({
  kind: "VirtualService",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: virtualServiceSpec,
  specRequired: true,
  rules: validateVirtualService,
});

/** A VirtualService spec as validated. */
export type VirtualServiceSpec = z.output<typeof virtualServiceSpec>;
/** One `http[]` rule: matches and what to do with the requests they select. */
export type HTTPRoute = z.output<typeof httpRoute>;
/** One `http[].match[]` entry; its fields are ANDed, the entries of a `match` list ORed. */
export type HTTPMatchRequest = z.output<typeof httpMatchRequest>;
/** A weighted destination of an HTTP route, with per-destination header operations. */
export type HTTPRouteDestination = z.output<typeof httpRouteDestination>;
/** A service (`host`), optional `subset` and `port.number` traffic is sent to. */
export type Destination = z.output<typeof destination>;
/** `http[].redirect`. */
export type HTTPRedirect = z.output<typeof httpRedirect>;
/** `http[].rewrite`. */
export type HTTPRewrite = z.output<typeof httpRewrite>;
/** `http[].rewrite.uriRegexRewrite`. */
export type RegexRewrite = z.output<typeof regexRewrite>;
/** `http[].directResponse`. */
export type HTTPDirectResponse = z.output<typeof httpDirectResponse>;
/** The body of a direct response: a string or base64-encoded bytes. */
export type HTTPBody = z.output<typeof httpBody>;
/** `http[].delegate`: the VirtualService the rule hands its requests to. */
export type Delegate = z.output<typeof delegate>;
/** Request and response header operations. */
export type Headers = z.output<typeof headers>;
/** `set`, `add` and `remove` operations on one direction's headers. */
export type HeaderOperations = z.output<typeof headerOperations>;
/** `http[].retries`. */
export type HTTPRetry = z.output<typeof httpRetry>;
/** `http[].fault`. */
export type HTTPFaultInjection = z.output<typeof httpFaultInjection>;
/** `http[].mirrors[]`. */
export type HTTPMirrorPolicy = z.output<typeof httpMirrorPolicy>;
/** `http[].corsPolicy`. */
export type CorsPolicy = z.output<typeof corsPolicy>;
/** One `tls[]` rule (SNI-routed passthrough traffic). */
export type TLSRoute = z.output<typeof tlsRoute>;
/** One `tls[].match[]` entry. */
export type TLSMatchAttributes = z.output<typeof tlsMatchAttributes>;
/** One `tcp[]` rule. */
export type TCPRoute = z.output<typeof tcpRoute>;
/** One `tcp[].match[]` entry. */
export type L4MatchAttributes = z.output<typeof l4MatchAttributes>;
/** A weighted destination of a TLS or TCP route. */
export type RouteDestination = z.output<typeof routeDestination>;
