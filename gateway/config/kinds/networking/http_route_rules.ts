/**
 * The webhook's rules for one VirtualService `http[]` route (istiod `validateHTTPRoute` and the helpers it calls);
 * header and CORS rules are in `http_header_rules.ts`, fault and retry rules in `http_policy_rules.ts`.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { validateDuration } from "../../duration.ts";
import { istioRegexError } from "../../schema/regex.ts";
import { isIstioDns1123Label } from "../host_rules.ts";
import {
  AUTHORITY_HEADER,
  matchHeaderNameError,
  validateCors,
  validateHeaderOperations,
} from "./http_header_rules.ts";
import { httpStatusError, validateFault, validateRetry } from "./http_policy_rules.ts";
import {
  goFixed,
  portError,
  validateDestination,
  validateGatewayNames,
  validateSourceLabels,
  validateStringMatch,
  validateStringMatchRegex,
  validateWeightedDestinations,
} from "./route_rules.ts";
import type {
  HTTPDirectResponse,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRewrite,
  HTTPRoute,
} from "./virtual_service.ts";

/** How a route is checked: inside a delegate VirtualService, and whether it came from the Gateway API. */
export interface HTTPRouteContext {
  readonly delegate: boolean;
  readonly gatewaySemantics: boolean;
}

/** istiod's `validateHTTPRoute`: every rule for one `http[]` entry, reported under `at`. */
export function validateHTTPRoute(
  route: HTTPRoute,
  at: FieldPath,
  ctx: RuleContext,
  rc: HTTPRouteContext,
): void {
  validateConflicts(route, at, ctx, rc);
  validateMatches(route.match ?? [], [...at, "match"], ctx);
  validateHeaderOperations(route.headers, [...at, "headers"], ctx);
  validateCors(route.corsPolicy, [...at, "corsPolicy"], ctx);
  validateFault(route.fault, [...at, "fault"], ctx);
  for (const key of ["mirrorPercent", "mirror_percent"] as const) {
    const value = route[key];
    if (value === undefined) continue;
    if (value > 100) {
      ctx.report([...at, key], `mirror_percent must have a max value of 100 (it has ${value})`);
    }
    ctx.report(
      [...at, key],
      'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
      "warning",
    );
  }
  if (route.mirrorPercentage) {
    const value = route.mirrorPercentage.value ?? 0;
    const p = [...at, "mirrorPercentage", "value"];
    if (value > 100) {
      ctx.report(p, `mirror_percentage must have a max value of 100 (it has ${goFixed(value)})`);
    }
    if (value < 0) ctx.report(p, `mirror_percentage must have a min value of 0 (it has ${goFixed(value)})`);
  }
  validateDestination(route.mirror, [...at, "mirror"], ctx);
  route.mirrors?.forEach((m, i) => {
    const p = [...at, "mirrors", i];
    validateDestination(m.destination, [...p, "destination"], ctx);
    const value = m.percentage?.value;
    if (value === undefined) return;
    if (value > 100) {
      ctx.report(
        [...p, "percentage", "value"],
        `mirror percentage must have a max value of 100 (it has ${goFixed(value)})`,
      );
    }
    if (value < 0) {
      ctx.report(
        [...p, "percentage", "value"],
        `mirror percentage must have a min value of 0 (it has ${goFixed(value)})`,
      );
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
    if (route.rewrite) {
      ctx.report([...at, "rewrite"], "HTTP route rule cannot contain both rewrite and redirect");
    }
    if (route.directResponse) {
      ctx.report(
        [...at, "directResponse"],
        "HTTP route rule cannot contain both direct_response and redirect",
      );
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
      if (header.regex !== "*") {
        validateStringMatch(header, "withoutHeaders", [...p, "withoutHeaders", name], ctx);
      }
    }
    validateStringMatchRegex(m.uri, "uri", [...p, "uri"], ctx);
    for (const key of ["scheme", "method", "authority"] as const) {
      validateStringMatch(m[key], key, [...p, key], ctx);
    }
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

function redirectError(
  r: HTTPRedirect,
  matches: readonly HTTPMatchRequest[],
): [FieldPath, string] | undefined {
  if (r.uri && r.prefixRewrite) return [[], "redirect may only specify one of uri or prefix_rewrite"];
  if (r.prefixRewrite && matches.some((m) => m.uri !== undefined && m.uri.prefix === undefined)) {
    return [["prefixRewrite"], "redirect prefix_rewrite requires all URI matches to use prefix match type"];
  }
  if (
    !r.uri && !r.prefixRewrite && !r.authority && r.port === undefined && r.derivePort === undefined &&
    !r.scheme
  ) {
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
          `authority header cannot be set multiple times: have ${
            JSON.stringify(current)
          }, attempting to set ${JSON.stringify(value)}`,
        );
        return;
      }
      current = value;
    }
  }
}
