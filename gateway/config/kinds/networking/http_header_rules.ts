/**
 * The webhook's rules for HTTP header names and values in VirtualService matches, header operations and CORS
 * policies (istiod `ValidateHTTPHeader*`, `validateHeaderValue`, `validateCORSPolicy`).
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { durationNanos, validateDuration } from "../../duration.ts";
import { isJwtClaimRoute, validateStringMatchRegex } from "./route_rules.ts";
import type { CorsPolicy, Headers } from "./virtual_service.ts";

const TCHAR_HEADER = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([":method", ":scheme", ":authority", ":path", ":status"]);

/** istiod's `ValidateHTTPHeaderNameOrJwtClaimRoute`: a match header name, pseudo-header or JWT claim. */
export function matchHeaderNameError(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (isJwtClaimRoute(name) || PSEUDO_HEADERS.has(name)) return undefined;
  return TCHAR_HEADER.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

const INTERNAL_HEADER = (name: string) => name.startsWith(":") || name.toLowerCase() === "host";
/** Whether a header name is the authority (`:authority` or `Host`, any case). */
export const AUTHORITY_HEADER = (name: string) =>
  name.toLowerCase() === ":authority" || name.toLowerCase() === "host";

/** Header operations: request `set`/`add` may rewrite the authority; other pseudo-headers and Host are off limits. */
export function validateHeaderOperations(
  headers: Headers | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
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
  else if (name.toLowerCase() === "host") {
    ctx.report(at, `invalid header ${JSON.stringify(name)}: cannot set Host header`);
  } else if (INTERNAL_HEADER(name)) {
    ctx.report(at, `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`);
  }
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

const CORS_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "*",
]);

/** istiod's `validateCORSPolicy`. */
export function validateCors(policy: CorsPolicy | undefined, at: FieldPath, ctx: RuleContext): void {
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
    if (!CORS_METHODS.has(m)) {
      ctx.report([...at, "allowMethods", i], `${JSON.stringify(m)} is not a supported HTTP method`);
    }
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
