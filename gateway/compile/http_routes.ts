/**
 * Translating a VirtualService's `http[]` rules into the ordered routes of a gateway virtual host
 * (istiod's BuildHTTPRoutesForVirtualService / TranslateRoute), including delegate VirtualServices.
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import type { Diagnostic } from "../config/diagnostics.ts";
import { parseDuration } from "../config/duration.ts";
import type {
  Destination,
  HTTPMatchRequest,
  HTTPRoute,
  VirtualServiceSpec,
} from "../config/kinds/networking/virtual_service.ts";
import { type Resource, resourceDiagnostic } from "../config/resource.ts";
import { resolveShortName } from "../config/hosts.ts";
import { selectorMatches } from "./labels.ts";
import type { GatewayIdentity } from "./listeners.ts";
import { compileRouteMatch, MATCH_ALL } from "./route_match.ts";
import type { MirrorTarget, RouteAction, RouteEntry, RouteMatcher, WeightedCluster } from "./types.ts";

/** Redirect codes Envoy can send; Istio drops the redirect for any other. */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** What route translation needs to know about where the routes will serve. */
export interface RouteBuildContext {
  /** `namespace/name` of the Gateway whose server the routes are for. */
  readonly gateway: string;
  /** The listener (server) port. */
  readonly port: number;
  readonly identity: GatewayIdentity;
  /** Ports of a known service host, to default a destination's port as Istio does. */
  servicePorts(host: string): readonly number[] | undefined;
  /** Finds a delegate VirtualService by namespace and name. */
  delegate(namespace: string, name: string): Resource<VirtualServiceSpec> | undefined;
  readonly warnings: Diagnostic[];
}

/**
 * The routes of one VirtualService for one gateway server, in rule order, stopping after the first catch-all
 * (later rules could never match).
 */
export function buildHttpRoutes(vs: Resource<VirtualServiceSpec>, ctx: RouteBuildContext): RouteEntry[] {
  const out: RouteEntry[] = [];
  const vsName = `${vs.meta.namespace}/${vs.meta.name}`;
  const rules = vs.spec.http ?? [];
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r];
    const matches = applicableMatches(rule, vs.meta.namespace, ctx);
    if (matches === undefined) continue;
    for (const { match, index } of matches) {
      if (rule.delegate) {
        out.push(...buildDelegatedRoutes(vs, rule, match, ctx));
        continue;
      }
      const entry = translateRoute(vsName, vs.meta.namespace, rule, r, index, match, ctx, vs);
      if (entry) out.push(entry);
    }
    if (matches.some((m) => m.match.catchAll) && !rule.delegate) break;
  }
  return out;
}

/** The compiled matches of a rule that apply to this gateway and port; undefined when none do. */
function applicableMatches(
  rule: HTTPRoute,
  namespace: string,
  ctx: RouteBuildContext,
): { match: RouteMatcher; index?: number }[] | undefined {
  const declared = rule.match ?? [];
  if (declared.length === 0) return [{ match: MATCH_ALL }];
  const kept: { match: RouteMatcher; index?: number }[] = [];
  declared.forEach((m, index) => {
    if (appliesHere(m, namespace, ctx)) kept.push({ match: compileRouteMatch(m), index });
  });
  return kept.length > 0 ? kept : undefined;
}

function appliesHere(m: HTTPMatchRequest, namespace: string, ctx: RouteBuildContext): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== ctx.port) return false;
  if (m.gateways && m.gateways.length > 0) {
    const names = m.gateways.map((g) => (g.includes("/") ? g : `${namespace}/${g}`));
    if (!names.includes(ctx.gateway)) return false;
  }
  if (m.sourceLabels && !selectorMatches(m.sourceLabels, ctx.identity.labels)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== ctx.identity.namespace) return false;
  return true;
}

function translateRoute(
  vsName: string,
  namespace: string,
  rule: HTTPRoute,
  ruleIndex: number,
  matchIndex: number | undefined,
  match: RouteMatcher,
  ctx: RouteBuildContext,
  vs: Resource<VirtualServiceSpec>,
): RouteEntry | undefined {
  const action = translateAction(rule, namespace, ctx);
  if (!action) {
    ctx.warnings.push(resourceDiagnostic(
      vs.meta,
      "warning",
      `spec.http[${ruleIndex}].redirect.redirectCode`,
      `redirect code ${rule.redirect?.redirectCode} is not one of 301, 302, 303, 307, 308; route dropped`,
    ));
    return undefined;
  }
  const matchName = matchIndex !== undefined ? rule.match?.[matchIndex]?.name : undefined;
  const timeoutMs = rule.timeout !== undefined ? parseDuration(rule.timeout) : undefined;
  return {
    operation: routeOperation(
      vs.meta.name,
      ctx.port,
      action,
      matchIndex !== undefined ? rule.match?.[matchIndex] : undefined,
    ),
    name: rule.name && matchName ? `${rule.name}.${matchName}` : rule.name ?? "",
    virtualService: vsName,
    rule: ruleIndex,
    matchIndex,
    match,
    action,
    rewrite: rule.rewrite,
    headers: rule.headers,
    timeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
    retries: rule.retries,
    fault: rule.fault,
    mirrors: translateMirrors(rule, namespace, ctx),
    cors: rule.corsPolicy,
  };
}

/** Istio's route decorator operation (see `RouteEntry.operation`). */
export function routeOperation(
  vsName: string,
  port: number,
  action: RouteAction,
  match: HTTPMatchRequest | undefined,
): string {
  const uri = match?.uri;
  const path = uri?.prefix !== undefined
    ? `${uri.prefix}*`
    : uri?.exact !== undefined
    ? uri.exact
    : uri?.regex !== undefined
    ? uri.regex
    : "/*";
  if (action.kind === "route" && action.clusters.length === 1) {
    // The destination's host and port, read from its cluster name `outbound|PORT|SUBSET|HOST`.
    const [, clusterPort, , host] = action.clusters[0].cluster.split("|");
    return `${host}:${clusterPort}${path}`;
  }
  return `${vsName}:${port}${path}`;
}

function translateAction(
  rule: HTTPRoute,
  namespace: string,
  ctx: RouteBuildContext,
): RouteAction | undefined {
  if (rule.redirect) {
    const status = rule.redirect.redirectCode ?? 301;
    if (!REDIRECT_CODES.has(status)) return undefined;
    return { kind: "redirect", redirect: rule.redirect, status };
  }
  if (rule.directResponse) {
    const body = rule.directResponse.body;
    const bytes = body?.string !== undefined
      ? new TextEncoder().encode(body.string)
      : body?.bytes !== undefined
      ? decodeBase64(body.bytes)
      : undefined;
    return { kind: "directResponse", status: rule.directResponse.status, body: bytes };
  }
  const routes = rule.route ?? [];
  const single = routes.length === 1;
  const clusters: WeightedCluster[] = [];
  for (const r of routes) {
    const weight = single ? 100 : r.weight ?? 0;
    if (weight <= 0) continue;
    clusters.push({ ...destinationCluster(r.destination, namespace, ctx), weight, headers: r.headers });
  }
  return { kind: "route", clusters, totalWeight: clusters.reduce((n, c) => n + c.weight, 0) };
}

/** The cluster a destination routes to: `outbound|PORT|SUBSET|HOST` (Istio's GetDestinationCluster). */
export function destinationCluster(
  dest: Destination,
  namespace: string,
  ctx: Pick<RouteBuildContext, "servicePorts" | "port">,
): { cluster: string; host: string; subset?: string; port: number } {
  const host = resolveShortName(dest.host, namespace);
  const ports = ctx.servicePorts(host);
  const port = dest.port?.number ?? (ports && ports.length === 1 ? ports[0] : ctx.port);
  const subset = dest.subset || undefined;
  return { cluster: `outbound|${port}|${subset ?? ""}|${host}`, host, subset, port };
}

function translateMirrors(rule: HTTPRoute, namespace: string, ctx: RouteBuildContext): MirrorTarget[] {
  const out: MirrorTarget[] = [];
  if (rule.mirror) {
    const percentage = rule.mirrorPercentage?.value ?? rule.mirrorPercent ?? 100;
    if (percentage > 0) {
      const { cluster, host } = destinationCluster(rule.mirror, namespace, ctx);
      out.push({ cluster, host, percentage });
    }
  }
  for (const m of rule.mirrors ?? []) {
    const percentage = m.percentage?.value ?? 100;
    if (percentage <= 0) continue;
    const { cluster, host } = destinationCluster(m.destination, namespace, ctx);
    out.push({ cluster, host, percentage });
  }
  return out;
}

/**
 * Routes of a delegate VirtualService under a root rule: each delegate route must also satisfy the root match,
 * and inherits the root rule's policies it does not set itself (istiod's mergeHTTPRoute).
 */
function buildDelegatedRoutes(
  root: Resource<VirtualServiceSpec>,
  rootRule: HTTPRoute,
  rootMatch: RouteMatcher,
  ctx: RouteBuildContext,
): RouteEntry[] {
  const ref = rootRule.delegate!;
  const delegate = ctx.delegate(ref.namespace ?? root.meta.namespace, ref.name ?? "");
  if (!delegate) {
    ctx.warnings.push(resourceDiagnostic(
      root.meta,
      "warning",
      "spec.http.delegate",
      `delegate VirtualService ${ref.namespace ?? root.meta.namespace}/${ref.name} not found`,
    ));
    return [];
  }
  const inner = buildHttpRoutes(delegate, ctx);
  const rootRetained = {
    rewrite: rootRule.rewrite,
    headers: rootRule.headers,
    timeoutMs: rootRule.timeout !== undefined ? parseDuration(rootRule.timeout) || undefined : undefined,
    retries: rootRule.retries,
    fault: rootRule.fault,
    cors: rootRule.corsPolicy,
  };
  return inner.map((e) => ({
    ...e,
    match: rootMatch === MATCH_ALL ? e.match : {
      catchAll: rootMatch.catchAll && e.match.catchAll,
      spec: e.match.spec,
      test: (i) => rootMatch.test(i) && e.match.test(i),
    },
    rewrite: e.rewrite ?? rootRetained.rewrite,
    headers: e.headers ?? rootRetained.headers,
    timeoutMs: e.timeoutMs ?? rootRetained.timeoutMs,
    retries: e.retries ?? rootRetained.retries,
    fault: e.fault ?? rootRetained.fault,
    cors: e.cors ?? rootRetained.cors,
    mirrors: e.mirrors.length > 0 ? e.mirrors : translateMirrors(rootRule, root.meta.namespace, ctx),
  }));
}
