/**
 * The webhook's rules for one VirtualService `http[]` route (istiod `validateHTTPRoute` and the helpers it calls).
 * @module
 */
import type { FieldPath } from "../diagnostics.ts";
import type { RuleContext } from "../kind.ts";
import { istioRegexError } from "../schema/regex.ts";
import { isIstioDns1123Label } from "./host_rules.ts";
import {
  durationNanos,
  goFixed,
  goFloat,
  isJwtClaimRoute,
  portError,
  validateDestination,
  validateDuration,
  validateGatewayNames,
  validateSourceLabels,
  validateStringMatch,
  validateStringMatchRegex,
  validateWeightedDestinations,
} from "./route_rules.ts";
import type {
  CorsPolicy,
  Headers,
  HTTPDirectResponse,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRetry,
  HTTPRewrite,
  HTTPRoute,
} from "./virtual_service.ts";

/** How a route is checked: inside a delegate VirtualService, and whether it came from the Gateway API. */
export interface HTTPRouteContext {
  readonly delegate: boolean;
  readonly gatewaySemantics: boolean;
}

/** istiod's `validateHTTPRoute`: every rule for one `http[]` entry, reported under `at`. */
export function validateHTTPRoute(route: HTTPRoute, at: FieldPath, ctx: RuleContext, rc: HTTPRouteContext): void {
  validateConflicts(route, at, ctx, rc);
  validateMatches(route.match ?? [], [...at, "match"], ctx);
  validateHeaderOperations(route.headers, [...at, "headers"], ctx);
  validateCors(route.corsPolicy, [...at, "corsPolicy"], ctx);
  validateFault(route.fault, [...at, "fault"], ctx);
  for (const key of ["mirrorPercent", "mirror_percent"] as const) {
    const value = route[key];
    if (value === undefined) continue;
    if (value > 100) ctx.report([...at, key], `mirror_percent must have a max value of 100 (it has ${value})`);
    ctx.report([...at, key], 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead', "warning");
  }
  if (route.mirrorPercentage) {
    const value = route.mirrorPercentage.value ?? 0;
    const p = [...at, "mirrorPercentage", "value"];
    if (value > 100) ctx.report(p, `mirror_percentage must have a max value of 100 (it has ${goFixed(value)})`);
    if (value < 0) ctx.report(p, `mirror_percentage must have a min value of 0 (it has ${goFixed(value)})`);
  }
  validateDestination(route.mirror, [...at, "mirror"], ctx);
  route.mirrors?.forEach((m, i) => {
    const p = [...at, "mirrors", i];
    validateDestination(m.destination, [...p, "destination"], ctx);
    const value = m.percentage?.value;
    if (value === undefined) return;
    if (value > 100) {
      ctx.report([...p, "percentage", "value"], `mirror percentage must have a max value of 100 (it has ${goFixed(value)})`);
    }
    if (value < 0) {
      ctx.report([...p, "percentage", "value"], `mirror percentage must have a min value of 0 (it has ${goFixed(value)})`);
    }
  });
  validateRedirect(route.redirect, route.match ?? [], [...at, "redirect"], ctx);
  validateDirectResponse(route.directResponse, [...at, "directResponse"], ctx);
  validateRetry(route.retries, [...at, "retries"], ctx);
  validateRewrite(route.rewrite, [...at, "rewrite"], ctx);
  validateAuthorityRewrite(route, at, ctx);
  validateWeightedDestinations(route.route, [...at, "route"], ctx, rc.gatewaySemantics, (i) => {
    validateHeaderOperations(route.route?.[i].headers, [...at, "route", i, "headers"], ctx);
  });
  validateDuration(route.timeout, [...at, "timeout"], ctx);
}

function validateConflicts(route: HTTPRoute, at: FieldPath, ctx: RuleContext, rc: HTTPRouteContext): void {
  const hasRoute = (route.route?.length ?? 0) > 0;
  if (!rc.delegate && route.delegate) {
    const name = route.name ?? "";
    if (route.redirect) ctx.report([...at, "redirect"], `root HTTP route ${name} must not specify redirect`);
    if (hasRoute) ctx.report([...at, "route"], `root HTTP route ${name} must not specify route`);
    return;
  }
  if (rc.delegate && route.delegate) {
    ctx.report([...at, "delegate"], "delegate HTTP route cannot contain delegate");
  }
  if (route.redirect) {
    if (hasRoute) ctx.report([...at, "route"], "HTTP route cannot contain both route and redirect");
    if (route.fault) ctx.report([...at, "fault"], "HTTP route cannot contain both fault and redirect");
    if (route.rewrite) ctx.report([...at, "rewrite"], "HTTP route rule cannot contain both rewrite and redirect");
    if (route.directResponse) {
      ctx.report([...at, "directResponse"], "HTTP route rule cannot contain both direct_response and redirect");
    }
  } else if (route.directResponse) {
    if (hasRoute) ctx.report([...at, "route"], "HTTP route cannot contain both route and direct_response");
    if (route.fault) ctx.report([...at, "fault"], "HTTP route cannot contain both fault and direct_response");
    if (route.rewrite) {
      ctx.report([...at, "rewrite"], "HTTP route rule cannot contain both rewrite and direct_response");
    }
  } else if (!hasRoute) {
    ctx.report(at, "HTTP route, redirect or direct_response is required");
  }
  if (route.mirror && (route.mirrors?.length ?? 0) > 0) {
    ctx.report([...at, "mirrors"], "HTTP route cannot contain both mirror and mirrors");
  }
}

const TCHAR_HEADER = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([":method", ":scheme", ":authority", ":path", ":status"]);

/** istiod's `ValidateHTTPHeaderNameOrJwtClaimRoute`. */
function matchHeaderNameError(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (isJwtClaimRoute(name) || PSEUDO_HEADERS.has(name)) return undefined;
  return TCHAR_HEADER.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

function validateMatches(matches: readonly HTTPMatchRequest[], at: FieldPath, ctx: RuleContext): void {
  matches.forEach((m, i) => {
    const p = [...at, i];
    for (const [name, header] of Object.entries(m.headers ?? {})) {
      const err = matchHeaderNameError(name);
      if (err) ctx.report([...p, "headers", name], err);
      validateStringMatch(header, "headers", [...p, "headers", name], ctx);
    }
    for (const [name, header] of Object.entries(m.withoutHeaders ?? {})) {
      const err = matchHeaderNameError(name);
      if (err) ctx.report([...p, "withoutHeaders", name], err);
      if (header.regex !== "*") validateStringMatch(header, "withoutHeaders", [...p, "withoutHeaders", name], ctx);
    }
    validateStringMatchRegex(m.uri, "uri", [...p, "uri"], ctx);
    for (const key of ["scheme", "method", "authority"] as const) validateStringMatch(m[key], key, [...p, key], ctx);
    for (const [name, qp] of Object.entries(m.queryParams ?? {})) {
      validateStringMatch(qp, "queryParams", [...p, "queryParams", name], ctx);
    }
  });
  matches.forEach((m, i) => {
    const p = [...at, i];
    if (m.port !== undefined && m.port !== 0) {
      const err = portError(m.port);
      if (err) ctx.report([...p, "port"], err);
    }
    validateSourceLabels(m.sourceLabels, [...p, "sourceLabels"], ctx);
    validateGatewayNames(m.gateways, [...p, "gateways"], ctx);
    if (m.sourceNamespace && !isIstioDns1123Label(m.sourceNamespace)) {
      ctx.report([...p, "sourceNamespace"], `sourceNamespace match ${m.sourceNamespace} is invalid`);
    }
  });
}

const INTERNAL_HEADER = (name: string) => name.startsWith(":") || name.toLowerCase() === "host";
const AUTHORITY_HEADER = (name: string) => name.toLowerCase() === ":authority" || name.toLowerCase() === "host";

/** Header operations: request `set`/`add` may rewrite the authority; other pseudo-headers and Host are off limits. */
function validateHeaderOperations(headers: Headers | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!headers) return;
  const request = headers.request;
  const response = headers.response;
  for (const op of ["add", "set"] as const) {
    for (const [name, value] of Object.entries(request?.[op] ?? {})) {
      const p = [...at, "request", op, name];
      if (name === "") ctx.report(p, "header name cannot be empty");
      else if (INTERNAL_HEADER(name) && !AUTHORITY_HEADER(name)) {
        ctx.report(p, `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`);
      }
      reportHeaderValue(value, p, ctx);
    }
  }
  request?.remove?.forEach((name, i) => reportOperationName(name, [...at, "request", "remove", i], ctx));
  for (const op of ["add", "set"] as const) {
    for (const [name, value] of Object.entries(response?.[op] ?? {})) {
      const p = [...at, "response", op, name];
      reportOperationName(name, p, ctx);
      reportHeaderValue(value, p, ctx);
    }
  }
  response?.remove?.forEach((name, i) => reportOperationName(name, [...at, "response", "remove", i], ctx));
}

/** istiod's `ValidateHTTPHeaderOperationName`. */
function reportOperationName(name: string, at: FieldPath, ctx: RuleContext): void {
  if (name === "") ctx.report(at, "header name cannot be empty");
  else if (name.toLowerCase() === "host") ctx.report(at, `invalid header ${JSON.stringify(name)}: cannot set Host header`);
  else if (INTERNAL_HEADER(name)) ctx.report(at, `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`);
}

// deno-lint-ignore no-control-regex
const HEADER_VALUE_CHARS = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;

/** istiod's `ValidateHTTPHeaderValue`: no control characters and well-formed Envoy `%VARIABLE%` expressions. */
function reportHeaderValue(value: string, at: FieldPath, ctx: RuleContext): void {
  if (!HEADER_VALUE_CHARS.test(value)) {
    ctx.report(at, `header value configuration ${value} is invalid`);
    return;
  }
  const err = envoyHeaderValueError(value);
  if (err) ctx.report(at, `header value configuration: ${err}`);
}

/** A port of Envoy's header formatter parser as istiod runs it (`validateHeaderValue`). */
function envoyHeaderValueError(value: string): string | undefined {
  type State = "literal" | "name" | "array" | "string" | "inString" | "delim" | "argsEnd" | "varEnd";
  let state: State = "literal";
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    const hasNext = pos + 1 < value.length;
    switch (state) {
      case "literal":
        if (ch !== "%") break;
        if (!hasNext) return "invalid header configuration. Un-escaped %";
        if (value[pos + 1] === "%") pos++;
        else state = "name";
        break;
      case "name":
        if (ch === "%") state = "literal";
        else if (ch === "(") state = "array";
        break;
      case "array":
        if (ch === "[") state = "string";
        else if (ch !== " ") state = "inString";
        break;
      case "delim":
        if (ch === ",") state = "string";
        else if (ch === "]") state = "argsEnd";
        else if (ch !== " ") return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case "string":
        if (ch === '"') state = "inString";
        else if (ch !== " ") return `invalid header configuration. Expecting '"'`;
        break;
      case "inString":
        if (ch === "\\") {
          if (!hasNext) return "invalid header configuration. Un-terminated backslash in JSON string";
          pos++;
        } else if (ch === ")") state = "varEnd";
        else if (ch === '"') state = "delim";
        break;
      case "argsEnd":
        if (ch === ")") state = "varEnd";
        else if (ch !== " ") {
          return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        }
        break;
      case "varEnd":
        if (ch === "%") state = "literal";
        else if (ch !== " ") return "invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  return state === "literal"
    ? undefined
    : `invalid header configuration. Un-terminated variable expression '${value}'`;
}

const CORS_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"]);

function validateCors(policy: CorsPolicy | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!policy) return;
  policy.allowOrigins?.forEach((origin, i) => {
    const match = origin.exact ?? origin.prefix ?? origin.regex ?? "";
    if (match === "") {
      ctx.report([...at, "allowOrigins", i], `'${match}' is not a valid match type for CORS allow origins`);
      return;
    }
    validateStringMatchRegex(origin, "corsPolicy.allowOrigins", [...at, "allowOrigins", i], ctx);
  });
  policy.allowMethods?.forEach((m, i) => {
    if (!CORS_METHODS.has(m)) ctx.report([...at, "allowMethods", i], `${JSON.stringify(m)} is not a supported HTTP method`);
  });
  for (const key of ["allowHeaders", "exposeHeaders"] as const) {
    policy[key]?.forEach((name, i) => {
      if (name === "") ctx.report([...at, key, i], "header name cannot be empty");
      else if (name !== "*" && !TCHAR_HEADER.test(name)) {
        ctx.report([...at, key, i], `header name ${name} is not a valid header name`);
      }
    });
  }
  if (policy.maxAge !== undefined) {
    validateDuration(policy.maxAge, [...at, "maxAge"], ctx);
    if ((durationNanos(policy.maxAge) ?? 0n) % 1_000_000_000n !== 0n) {
      ctx.report([...at, "maxAge"], "max_age duration is accurate only to seconds precision");
    }
  }
}

function percentageError(value: number | undefined): string | undefined {
  const v = value ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    return `percentage ${goFloat(v)} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}

/** gRPC status names istiod accepts for `fault.abort.grpcStatus`. */
export const GRPC_STATUS_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

function httpStatusError(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

function validateFault(fault: HTTPFaultInjection | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!fault) return;
  if (!fault.abort && !fault.delay) ctx.report(at, "HTTP fault injection must have an abort and/or a delay");
  const abort = fault.abort;
  if (abort) {
    const p = [...at, "abort"];
    const pctErr = abort.percentage && percentageError(abort.percentage.value);
    if (pctErr) ctx.report([...p, "percentage", "value"], pctErr);
    if (abort.grpcStatus !== undefined) {
      if (!GRPC_STATUS_CODES.includes(abort.grpcStatus)) {
        ctx.report(
          [...p, "grpcStatus"],
          `gRPC status ${
            JSON.stringify(abort.grpcStatus)
          } is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
        );
      }
    } else if (abort.http2Error !== undefined) {
      ctx.report([...p, "http2Error"], "HTTP/2 abort fault injection not supported yet");
    } else if (abort.httpStatus !== undefined) {
      const err = httpStatusError(abort.httpStatus);
      if (err) ctx.report([...p, "httpStatus"], err);
    } else ctx.report(p, "abort configured, but error type not set", "warning");
  }
  const delay = fault.delay;
  if (delay) {
    const p = [...at, "delay"];
    const pctErr = delay.percentage && percentageError(delay.percentage.value);
    if (pctErr) ctx.report([...p, "percentage", "value"], pctErr);
    validateDuration(delay.fixedDelay, [...p, "fixedDelay"], ctx);
    if (delay.exponentialDelay !== undefined) {
      validateDuration(delay.exponentialDelay, [...p, "exponentialDelay"], ctx);
      ctx.report([...p, "exponentialDelay"], "exponentialDelay not supported yet");
    }
  }
}

/** istiod's `validateHTTPRedirect`; like istiod it reports only the first problem. */
function validateRedirect(
  redirect: HTTPRedirect | undefined,
  matches: readonly HTTPMatchRequest[],
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!redirect) return;
  const error = redirectError(redirect, matches);
  if (error) ctx.report([...at, ...error[0]], error[1]);
}

function redirectError(r: HTTPRedirect, matches: readonly HTTPMatchRequest[]): [FieldPath, string] | undefined {
  if (r.uri && r.prefixRewrite) return [[], "redirect may only specify one of uri or prefix_rewrite"];
  if (r.prefixRewrite && matches.some((m) => m.uri !== undefined && m.uri.prefix === undefined)) {
    return [["prefixRewrite"], "redirect prefix_rewrite requires all URI matches to use prefix match type"];
  }
  if (!r.uri && !r.prefixRewrite && !r.authority && r.port === undefined && r.derivePort === undefined && !r.scheme) {
    return [[], "redirect must specify URI, authority, scheme, or port"];
  }
  if (r.redirectCode && (r.redirectCode < 300 || r.redirectCode > 399)) {
    return [["redirectCode"], `${r.redirectCode} is not a valid redirect code, must be 3xx`];
  }
  if (r.scheme && r.scheme !== "http" && r.scheme !== "https") {
    return [["scheme"], 'invalid redirect scheme, must be "http" or "https"'];
  }
  const portErr = r.port ? portError(r.port) : undefined;
  return portErr ? [["port"], portErr] : undefined;
}

const MB = 1024 * 1024;

function validateDirectResponse(dr: HTTPDirectResponse | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!dr) return;
  if (dr.body) {
    const size = dr.body.string !== undefined
      ? new TextEncoder().encode(dr.body.string).length
      : base64Size(dr.body.bytes ?? "");
    if (size > MB) {
      ctx.report(
        [...at, "body"],
        "large direct_responses may impact control plane performance, must be less than 1MB",
      );
    } else if (size > 100 * 1024) {
      ctx.report([...at, "body"], "large direct_responses may impact control plane performance", "warning");
    }
  }
  const err = httpStatusError(dr.status);
  if (err) ctx.report([...at, "status"], err);
}

function base64Size(b64: string): number {
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

const RETRY_ON_POLICIES = new Set([
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "envoy-ratelimited",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
]);

/** The HTTP status codes Go's `net/http.StatusText` knows: what istiod accepts as a numeric `retryOn` entry. */
export const KNOWN_HTTP_STATUS_CODES: ReadonlySet<number> = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
  424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** istiod's `agent.ValidateHTTPRetry`. */
function validateRetry(retries: HTTPRetry | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!retries) return;
  const attempts = retries.attempts ?? 0;
  if (attempts < 0) ctx.report([...at, "attempts"], "attempts cannot be negative");
  if (
    attempts === 0 &&
    (retries.perTryTimeout !== undefined || !!retries.retryOn || retries.retryRemoteLocalities !== undefined)
  ) {
    ctx.report(at, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  validateDuration(retries.perTryTimeout, [...at, "perTryTimeout"], ctx);
  if (retries.retryOn) {
    for (const policy of retries.retryOn.split(",")) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0;
      if (!KNOWN_HTTP_STATUS_CODES.has(code) && !RETRY_ON_POLICIES.has(policy)) {
        ctx.report([...at, "retryOn"], `${JSON.stringify(policy)} is not a valid retryOn policy`);
      }
    }
  }
  validateDuration(retries.backoff, [...at, "backoff"], ctx);
}

function validateRewrite(rewrite: HTTPRewrite | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!rewrite) return;
  const regexRewrite = rewrite.uriRegexRewrite;
  if (rewrite.uri && regexRewrite) {
    ctx.report(at, "rewrite may only contain one of URI or UriRegexRewrite");
    return;
  }
  if (!rewrite.uri && !regexRewrite && !rewrite.authority) {
    ctx.report(
      at,
      "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified",
    );
    return;
  }
  if (!regexRewrite) return;
  const p = [...at, "uriRegexRewrite"];
  if (!regexRewrite.match || !regexRewrite.rewrite) {
    ctx.report(
      p,
      "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified",
    );
    return;
  }
  const err = istioRegexError(regexRewrite.match, "HTTPRewrite.UriRegexRewrite.Match");
  if (err) ctx.report([...p, "match"], `UriRegexRewrite has errors: ${err}`);
}

/** istiod's `validateAuthorityRewrite`: the authority may be rewritten in one place only. */
function validateAuthorityRewrite(route: HTTPRoute, at: FieldPath, ctx: RuleContext): void {
  let current = route.rewrite?.authority ?? "";
  for (const op of ["set", "add"] as const) {
    for (const [name, value] of Object.entries(route.headers?.request?.[op] ?? {})) {
      if (!AUTHORITY_HEADER(name)) continue;
      if (current !== "") {
        ctx.report(
          [...at, "headers", "request", op, name],
          `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${
            JSON.stringify(value)
          }`,
        );
        return;
      }
      current = value;
    }
  }
}
