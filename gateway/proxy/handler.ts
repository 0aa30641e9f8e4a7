/**
 * The HTTP request path of a listener: virtual host and route selection on the current snapshot, then the
 * route's action: a direct response, a redirect, or forwarding to an endpoint of the chosen cluster.
 * @module
 */
import type { MatchInput, RouteEntry, Snapshot, WeightedCluster } from "../compile/types.ts";
import { clientAddresses } from "./client_address.ts";
import type { ClusterStates } from "./cluster_state.ts";
import type { EndpointResolver } from "./endpoints.ts";
import { type Downstream, forward, upstreamRequest } from "./forward.ts";
import { localReply, noHealthyUpstream } from "./local_reply.ts";
import { applyHeaderOperations, redirectLocation } from "./route_actions.ts";
import { sendUpstreamAuto } from "./upstream_client.ts";
import { corsRuntime } from "../policy/cors.ts";
import { abortResponse, decideFault, injectDelay } from "../policy/fault.ts";
import { mirrorRequest, planMirrors, teeRequestBody } from "../policy/mirror.ts";
import type { SendUpstream } from "./upstream.ts";
import { noteBodyBytes, reportWhenDone, type RequestSink, StreamInfo } from "./stream_info.ts";
import { isWebSocketUpgrade, proxyWebSocket } from "./websocket.ts";
import type { ChainSlot } from "../extensions/plugin_manager.ts";
import { runFilterChain } from "../extensions/filter_chain.ts";
import { authenticatorFor, checkJwt, withAuthHeaders } from "../security/jwt/request_authn.ts";

/** What the handler needs from the gateway around it. */
export interface HandlerOptions {
  /** The snapshot to serve the next request from. */
  current(): Snapshot;
  /** The listener port (before any port offset), as Gateway servers declare it. */
  readonly port: number;
  /** Route table name for this listener. */
  readonly routeName: string;
  readonly endpoints: EndpointResolver;
  readonly clusters: ClusterStates;
  /** The upstream client. @default sendUpstreamAuto */
  readonly send?: SendUpstream;
  /** Receives every finished request (metrics, access logs); none: nothing is recorded. */
  readonly requests?: RequestSink;
  /** `address:port` the listener is bound to (`%DOWNSTREAM_LOCAL_ADDRESS%`). */
  readonly localAddress?: string;
  /** The WasmPlugin chains; none: no plugin runs. */
  readonly wasm?: { chain(port: number): readonly ChainSlot[] | undefined };
}

/** What a request carries from routing to its action. */
interface RouteRequest {
  readonly req: Request;
  readonly info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  readonly snapshot: Snapshot;
  readonly options: HandlerOptions;
  readonly send: SendUpstream;
  readonly startedAt: number;
  readonly authority: string;
  readonly fullPath: string;
  readonly path: string;
  readonly query: string;
  readonly scheme: string;
  readonly si?: StreamInfo;
  /** Verified JWT claims (`request.auth.claims`), once RequestAuthentication has run. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** Creates the `Deno.serve` handler for one listener. */
export function createHttpHandler(options: HandlerOptions): Deno.ServeHandler<Deno.NetAddr> {
  const send = options.send ?? sendUpstreamAuto;
  const sink = options.requests;
  if (!sink) return (req, info) => handle(req, info, options, send, performance.now(), undefined);
  const localAddress = options.localAddress ?? `0.0.0.0:${options.port}`;
  return async (req, info) => {
    const startedAt = performance.now();
    if (sink.active === false) return handle(req, info, options, send, startedAt, undefined);
    const si = new StreamInfo();
    const res = await handle(req, info, options, send, startedAt, si);
    reportWhenDone(sink, si, { req, info, localAddress, listenerPort: options.port, startedAt }, res);
    return res;
  };
}

/** Routes one request and serves its route's action; `si` collects what telemetry records. */
async function handle(
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  options: HandlerOptions,
  send: SendUpstream,
  startedAt: number,
  si: StreamInfo | undefined,
): Promise<Response> {
  const snapshot = options.current();
  const url = req.url;
  const hostStart = url.indexOf("//") + 2;
  const pathStart = url.indexOf("/", hostStart);
  const fullPath = pathStart < 0 ? "/" : url.slice(pathStart);
  const q = fullPath.indexOf("?");
  const path = q < 0 ? fullPath : fullPath.slice(0, q);
  const query = q < 0 ? "" : fullPath.slice(q + 1);
  // HTTP/2 requests carry no Host header; their :authority is in the URL.
  const authority = req.headers.get("host") ?? url.slice(hostStart, pathStart < 0 ? undefined : pathStart);
  const scheme = url.startsWith("https:") ? "https" : "http";
  if (si) {
    si.remote = info.remoteAddr;
    si.method = req.method;
    si.authority = authority;
    si.fullPath = fullPath;
    si.scheme = scheme;
  }

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
  if (wasm !== undefined) return filtered(wasm, rr);
  if (snapshot.jwtRules === undefined) return await routeAndServe(rr, selectRoute(rr));
  return await authenticated(rr, undefined);
}

/**
 * RequestAuthentication, then routing. Istio runs jwt_authn after the AUTHN-phase Wasm plugins and before the
 * AUTHZ ones; here it runs after the whole Wasm chain. A verified token clears the route cache (claims can
 * select routes), so the route is selected again with the claims.
 */
async function authenticated(
  rr: RouteRequest,
  selected: RouteEntry | 404 | 301 | undefined,
): Promise<Response> {
  const authn = authenticatorFor(rr.snapshot);
  if (!authn) return routeAndServe(rr, selected ?? selectRoute(rr));
  const req = rr.req;
  const outcome = await checkJwt(authn, {
    method: req.method,
    scheme: rr.scheme,
    authority: rr.authority,
    fullPath: rr.fullPath,
    query: rr.query,
    header: (name) => req.headers.get(name),
  });
  if (!outcome.ok) {
    if (rr.si) rr.si.details = outcome.details;
    return outcome.response;
  }
  if (!outcome.auth) return routeAndServe(rr, selected ?? selectRoute(rr));
  const next: RouteRequest = { ...rr, req: withAuthHeaders(req, outcome.auth), claims: outcome.auth.claims };
  return routeAndServe(next, selectRoute(next));
}

/** The route of a request, or the status of the router's own reply: 404 (no route), 301 (TLS required). */
function selectRoute(rr: RouteRequest): RouteEntry | 404 | 301 {
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

/** The route's filters (fault, CORS) and action. */
async function routeAndServe(rr: RouteRequest, route: RouteEntry | 404 | 301): Promise<Response> {
  const { req, si } = rr;
  if (route === 404) return noRoute(si);
  if (route === 301) {
    return localReply(301, "", { location: `https://${rr.authority.replace(/:\d+$/, "")}${rr.fullPath}` });
  }
  if (si) si.routeName = route.name;
  // Istio's filter order: (Wasm plugins,) fault, then CORS, then the router.
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

/**
 * The listener's WasmPlugin chain around routing: the route is looked up first (filters read `route_name`),
 * and again after the request-header filters when one of them cleared the route cache.
 */
function filtered(chain: readonly ChainSlot[], rr: RouteRequest): Promise<Response> {
  const si = rr.si ?? new StreamInfo();
  const first = selectRoute(rr);
  if (typeof first !== "number") si.routeName = first.name;
  const fr = {
    req: rr.req,
    remote: si.remote ?? rr.info.remoteAddr,
    authority: rr.authority,
    fullPath: rr.fullPath,
    scheme: rr.scheme,
    si,
  };
  return runFilterChain(chain, fr, (req, authority, fullPath, reroute) => {
    const q = fullPath.indexOf("?");
    const next: RouteRequest = {
      ...rr,
      req,
      authority,
      fullPath,
      path: q < 0 ? fullPath : fullPath.slice(0, q),
      query: q < 0 ? "" : fullPath.slice(q + 1),
      si,
    };
    if (rr.snapshot.jwtRules !== undefined) return authenticated(next, reroute ? undefined : first);
    return routeAndServe(next, reroute ? selectRoute(next) : first);
  });
}

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

  const trustedHops = snapshot.mesh.defaultConfig.gatewayTopology.numTrustedProxies;
  const down: Downstream = {
    request: req,
    authority: rr.authority,
    fullPath: rr.fullPath,
    path: rr.path,
    query: rr.query,
    startedAt: rr.startedAt,
    edge: {
      addresses: clientAddresses(
        (rr.si?.remote ?? rr.info.remoteAddr).hostname,
        req.headers.get("x-forwarded-for"),
        trustedHops,
      ),
      scheme: rr.scheme,
      trustProxies: trustedHops > 0,
    },
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
