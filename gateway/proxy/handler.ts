/**
 * The HTTP request path of a listener: virtual host and route selection on the current snapshot, then the
 * route's action: a direct response, a redirect, or forwarding to an endpoint of the chosen cluster.
 * @module
 */
import type { MatchInput, RouteEntry, WeightedCluster } from "../compile/types.ts";
import { edgeContext } from "./edge_request.ts";
import { type Downstream, forward, upstreamRequest } from "./forward.ts";
import { localReply, noHealthyUpstream } from "./local_reply.ts";
import { normalizePath } from "./path_normalization.ts";
import { requestTarget } from "./request_target.ts";
import { applyHeaderOperations, redirectLocation } from "./route_actions.ts";
import { sendUpstreamAuto } from "./upstream_client.ts";
import { corsRuntime } from "../policy/cors.ts";
import { abortResponse, decideFault, injectDelay } from "../policy/fault.ts";
import { mirrorRequest, planMirrors, teeRequestBody } from "../policy/mirror.ts";
import type { SendUpstream } from "./upstream.ts";
import { noteBodyBytes, reportWhenDone, StreamInfo } from "./stream_info.ts";
import { isWebSocketUpgrade, proxyWebSocket } from "./websocket.ts";
import { runHttpFilters } from "./http_filters.ts";
import type { HandlerOptions, Router, RouteRequest, SelectedRoute } from "./route_request.ts";

export type { HandlerOptions } from "./route_request.ts";

/**
 * Creates the `Deno.serve` handler for one listener: one async step around the request path, counting it for
 * the listener's stats and reporting it to telemetry when those are on.
 */
export function createHttpHandler(options: HandlerOptions): Deno.ServeHandler<Deno.NetAddr> {
  const send = options.send ?? sendUpstreamAuto;
  const counters = options.counters;
  const sink = options.requests;
  const localAddress = options.localAddress ?? `0.0.0.0:${options.port}`;
  if (!counters && !sink) {
    return (req, info) => handle(req, info, options, send, performance.now(), undefined);
  }
  return async (req, info) => {
    const startedAt = performance.now();
    counters?.started();
    let status = 0;
    try {
      if (!sink || sink.active === false) {
        const res = await handle(req, info, options, send, startedAt, undefined);
        status = res.status;
        return res;
      }
      const si = new StreamInfo();
      const tracer = sink.tracer;
      if (tracer) si.trace = tracer.start(info.remoteAddr.hostname, startedAt, si);
      const res = await handle(req, info, options, send, startedAt, si);
      status = res.status;
      reportWhenDone(sink, si, { req, info, localAddress, listenerPort: options.port, startedAt }, res);
      return res;
    } finally {
      counters?.answered(status);
    }
  };
}

/** Routes one request and serves its route's action; `si` collects what telemetry records. */
function handle(
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  options: HandlerOptions,
  send: SendUpstream,
  startedAt: number,
  si: StreamInfo | undefined,
): Promise<Response> {
  const snapshot = options.current();
  const url = req.url;
  const target = requestTarget(url, req.headers.get("host"));
  const authority = target.authority;
  const scheme = options.tls ? "https" : "http";
  // Normalized once, here: routing, authorization, filters, logs and the upstream all see this path.
  const fullPath = normalizePath(target.fullPath, snapshot.mesh.pathNormalization.normalization);
  if (si) {
    si.remote = info.remoteAddr;
    si.method = req.method;
    si.authority = authority;
    si.fullPath = fullPath ?? target.fullPath;
    si.scheme = scheme;
  }
  if (fullPath === undefined) {
    if (si) si.details = "path_normalization_failed";
    return Promise.resolve(localReply(400));
  }
  const q = fullPath.indexOf("?");
  const path = q < 0 ? fullPath : fullPath.slice(0, q);
  const query = q < 0 ? "" : fullPath.slice(q + 1);

  const rr: RouteRequest = {
    req,
    info,
    snapshot,
    options,
    send,
    startedAt,
    authority,
    fullPath,
    path,
    query,
    scheme,
    si,
  };
  const wasm = options.wasm?.chain(options.port);
  if (wasm === undefined && snapshot.authz === undefined && snapshot.jwtRules === undefined) {
    return routeAndServe(rr, selectRoute(rr));
  }
  return runHttpFilters(rr, wasm, ROUTER);
}

/** The route of a request, or the status of the router's own reply: 404 (no route), 301 (TLS required). */
function selectRoute(rr: RouteRequest): SelectedRoute {
  const vhost = rr.snapshot.routeTables.get(rr.options.routeName)?.lookup(rr.authority);
  if (!vhost) return 404;
  if (vhost.requireTls && rr.scheme === "http") return 301;
  const req = rr.req;
  const input: MatchInput = {
    method: req.method,
    path: rr.path,
    query: rr.query,
    header: (name) => req.headers.get(name),
    authority: rr.authority,
    scheme: rr.scheme,
    port: rr.options.port,
    claims: rr.claims,
  };
  return vhost.routes.find((r) => r.match.test(input)) ?? 404;
}

/** The route's filters (fault, CORS) and action; a route with neither goes straight to its action. */
function routeAndServe(rr: RouteRequest, route: SelectedRoute): Promise<Response> {
  const si = rr.si;
  if (route === 404) return Promise.resolve(noRoute(si));
  if (route === 301) {
    const location = `https://${rr.authority.replace(/:\d+$/, "")}${rr.fullPath}`;
    return Promise.resolve(localReply(301, "", { location }));
  }
  if (si) {
    si.routeName = route.name;
    si.route = route;
  }
  if (!route.fault && !route.cors) return serveAction(rr, route);
  return faultCorsAndServe(rr, route);
}

/** Istio's filter order for a route with a fault or CORS policy: fault, then CORS, then the router. */
async function faultCorsAndServe(rr: RouteRequest, route: RouteEntry): Promise<Response> {
  const { req, si } = rr;
  if (route.fault) {
    const fault = decideFault(route.fault);
    if (fault.delayMs !== undefined) {
      si?.addFlag("DI");
      await injectDelay(fault.delayMs);
    }
    if (fault.abort) {
      if (si) {
        si.addFlag("FI");
        si.details = "fault_filter_abort";
      }
      return decorate(abortResponse(fault.abort, req), route);
    }
  }
  const cors = route.cors ? corsRuntime(route.cors) : undefined;
  if (cors) {
    const preflight = cors.preflight(req);
    if (preflight) return decorate(preflight, route);
  }
  const res = await serveAction(rr, route);
  if (cors) cors.decorate(req.headers.get("origin"), res.headers);
  return res;
}

/** The router at the end of the HTTP filters. */
const ROUTER: Router = { select: selectRoute, serve: routeAndServe };

/** Envoy's 404 when no virtual host or route matches (flag NR). */
function noRoute(si: StreamInfo | undefined): Response {
  if (si) {
    si.addFlag("NR");
    si.details = "route_not_found";
  }
  return localReply(404);
}

/** The route's action: a direct response, a redirect, or the request forwarded to a weighted cluster. */
async function serveAction(rr: RouteRequest, route: RouteEntry): Promise<Response> {
  const { req, snapshot, options } = rr;
  const action = route.action;
  if (action.kind === "directResponse") {
    if (rr.si) rr.si.details = "direct_response";
    const res = new Response(action.body ?? null, { status: action.status });
    return decorate(noteBodyBytes(res, action.body?.length ?? 0), route);
  }
  if (action.kind === "redirect") {
    const location = redirectLocation(action.redirect, {
      scheme: rr.scheme,
      authority: rr.authority,
      path: rr.path,
      query: rr.query,
      listenerPort: options.port,
    });
    if (rr.si) rr.si.details = "direct_response";
    return decorate(new Response(null, { status: action.status, headers: { location } }), route);
  }
  const chosen = pickWeighted(action.clusters, action.totalWeight);
  const cluster = chosen ? snapshot.clusters.get(chosen.cluster) : undefined;
  const si = rr.si;
  if (!chosen || !cluster) {
    if (si) {
      si.addFlag("NC");
      si.details = "cluster_not_found";
    }
    return decorate(localReply(503), route);
  }
  if (si) si.cluster = cluster;
  const resolved = options.endpoints.resolve(cluster);
  const endpoints = resolved instanceof Promise ? await resolved : resolved;
  if (endpoints.length === 0) {
    if (si) {
      si.addFlag("UH");
      si.details = "no_healthy_upstream";
    }
    return decorate(noHealthyUpstream(), route);
  }

  const down: Downstream = {
    request: req,
    authority: rr.authority,
    fullPath: rr.fullPath,
    path: rr.path,
    query: rr.query,
    startedAt: rr.startedAt,
    edge: edgeContext(rr),
    si,
  };
  const state = options.clusters.get(cluster, snapshot.mesh.connectTimeout);
  if (isWebSocketUpgrade(req)) {
    const endpoint = state.balancer(endpoints).choose();
    if (!endpoint) return decorate(noHealthyUpstream(), route);
    const { headers, path: upstreamPath } = upstreamRequest(down, route, chosen);
    if (si) {
      si.endpoint = endpoint;
      si.requestHeaders = new Headers(req.headers);
      si.details = "via_upstream";
    }
    return await proxyWebSocket(req, endpoint, upstreamPath, headers);
  }
  if (route.mirrors.length > 0) startMirrors(rr, down, route, chosen);
  const result = await forward(down, route, chosen, {
    send: rr.send,
    state,
    endpoints,
    mesh: snapshot.mesh,
  });
  if (si) {
    si.endpoint = result.endpoint;
    if (result.flags) si.addFlag(result.flags);
    si.details = responseDetails(result.flags);
  }
  return decorate(result.response, route);
}

/** Fire-and-forget copies to the route's mirrors; the primary reads the teed body. */
function startMirrors(rr: RouteRequest, down: Downstream, route: RouteEntry, chosen: WeightedCluster): void {
  const { snapshot, options } = rr;
  const planned = planMirrors(route.mirrors);
  if (planned.length === 0) return;
  const tee = teeRequestBody(down.request.body, planned.length);
  down.body = tee.primary;
  // The primary sends these headers; the mirrors a copy taken now, before attempts change them (one request id).
  const built = upstreamRequest(down, route, chosen);
  down.upstream = built;
  const headers = built.headers.clone();
  rr.si?.trace?.injectMirror(headers);
  const upstreamPath = built.path;
  planned.forEach((mirror, i) => {
    const cluster = snapshot.clusters.get(mirror.cluster);
    const endpoints = cluster ? options.endpoints.resolve(cluster) : [];
    void Promise.resolve(endpoints).then((list) => {
      const endpoint = cluster && list.length > 0
        ? options.clusters.get(cluster, snapshot.mesh.connectTimeout).balancer(list).choose()
        : undefined;
      if (!endpoint) {
        void tee.mirrors[i]?.cancel();
        return;
      }
      return mirrorRequest(rr.send, endpoint, down.request.method, upstreamPath, headers, tee.mirrors[i], {
        timeoutMs: route.timeoutMs,
      });
    });
  });
}

/** Route-level response header rules and the gateway's `server` header. */
function decorate(res: Response, route: RouteEntry): Response {
  applyHeaderOperations(res.headers, route.headers?.response);
  res.headers.set("server", "istio-envoy");
  return res;
}

/** Envoy's response code details for how forwarding ended, from its flags. */
function responseDetails(flags: string | undefined): string {
  if (!flags) return "via_upstream";
  const first = flags.split(",")[0];
  switch (first) {
    case "UH":
      return "no_healthy_upstream";
    case "UO":
      return "upstream_reset_before_response_started{overflow}";
    case "UF":
      return "upstream_reset_before_response_started{connection_failure}";
    case "UR":
      return "upstream_reset_before_response_started{remote_reset}";
    case "UPE":
      return "upstream_reset_before_response_started{protocol_error}";
    case "UT":
      return "upstream_response_timeout";
    case "DC":
      return "downstream_remote_disconnect";
    default:
      return "";
  }
}

function pickWeighted(clusters: readonly WeightedCluster[], total: number): WeightedCluster | undefined {
  if (clusters.length <= 1) return clusters[0];
  let r = Math.random() * total;
  for (const c of clusters) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return clusters[clusters.length - 1];
}
