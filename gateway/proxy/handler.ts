/**
 * The HTTP request path of a listener: virtual host and route selection on the current snapshot, then the
 * route's action: a direct response, a redirect, or forwarding to an endpoint of the chosen cluster.
 * @module
 */
import type {
  Cluster,
  Endpoint,
  MatchInput,
  RouteEntry,
  Snapshot,
  WeightedCluster,
} from "../compile/types.ts";
import { applyHeaderOperations, redirectLocation } from "./route_actions.ts";
import { stripEnvoyHeaders, stripHopByHop } from "./headers.ts";
import { sendUpstream, UpstreamError } from "./upstream.ts";

/** What the handler needs from the gateway around it. */
export interface HandlerOptions {
  /** The snapshot to serve the next request from. */
  current(): Snapshot;
  /** The listener port (before any port offset), as Gateway servers declare it. */
  readonly port: number;
  /** Route table name for this listener. */
  readonly routeName: string;
}

/** Response details a request leaves behind for logs and metrics. */
export interface RequestOutcome {
  /** Envoy response flags, e.g. `NR`, `UH`; `-` when none. */
  flags: string;
  cluster?: string;
  route?: RouteEntry;
}

const ENCODER = new TextEncoder();

/** Creates the `Deno.serve` handler for one listener. */
export function createHttpHandler(options: HandlerOptions): Deno.ServeHandler {
  const cursors = new WeakMap<Cluster, number>();
  return async (req, info) => {
    const started = performance.now();
    const snapshot = options.current();
    const url = req.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const fullPath = pathStart < 0 ? "/" : url.slice(pathStart);
    const q = fullPath.indexOf("?");
    const path = q < 0 ? fullPath : fullPath.slice(0, q);
    const query = q < 0 ? "" : fullPath.slice(q + 1);
    const authority = req.headers.get("host") ??
      url.slice(url.indexOf("//") + 2, pathStart < 0 ? undefined : pathStart);
    const scheme = url.startsWith("https:") ? "https" : "http";
    const table = snapshot.routeTables.get(options.routeName);
    const vhost = table?.lookup(authority);
    if (!vhost) return local(404, "", "NR");
    if (vhost.requireTls && scheme === "http") {
      return local(301, "", "-", { location: `https://${authority.replace(/:\d+$/, "")}${fullPath}` });
    }
    const input: MatchInput = {
      method: req.method,
      path,
      query,
      header: (name) => req.headers.get(name),
      authority,
      scheme,
      port: options.port,
    };
    const route = vhost.routes.find((r) => r.match.test(input));
    if (!route) return local(404, "", "NR");
    const action = route.action;
    if (action.kind === "directResponse") {
      return decorate(new Response(action.body ?? null, { status: action.status }), route);
    }
    if (action.kind === "redirect") {
      const location = redirectLocation(action.redirect, {
        scheme,
        authority,
        path,
        query,
        listenerPort: options.port,
      });
      return decorate(new Response(null, { status: action.status, headers: { location } }), route);
    }
    const target = pickWeighted(action.clusters, action.totalWeight);
    const cluster = target ? snapshot.clusters.get(target.cluster) : undefined;
    if (!target || !cluster) return local(503, "", "NC");
    const endpoint = pickEndpoint(cluster, cursors);
    if (!endpoint) return local(503, "no healthy upstream", "UH");

    const headers = new Headers(req.headers);
    stripHopByHop(headers);
    stripEnvoyHeaders(headers);
    const peer = (info.remoteAddr as Deno.NetAddr).hostname;
    const xff = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", xff ? `${xff}, ${peer}` : peer);
    headers.set("x-forwarded-proto", scheme);
    headers.set("x-request-id", crypto.randomUUID());
    headers.set("x-envoy-attempt-count", "1");
    if (route.timeoutMs !== undefined) headers.set("x-envoy-expected-rq-timeout-ms", String(route.timeoutMs));
    let upstreamPath = fullPath;
    if (route.rewrite?.uri !== undefined) {
      upstreamPath = rewritePrefix(route, path, route.rewrite.uri) + (query ? `?${query}` : "");
      headers.set("x-envoy-original-path", fullPath);
    }
    if (route.rewrite?.authority) headers.set("host", route.rewrite.authority);
    else if (!headers.has("host")) headers.set("host", authority);
    applyHeaderOperations(headers, route.headers?.request);
    applyHeaderOperations(headers, target.headers?.request);

    const abort = new AbortController();
    const timer = route.timeoutMs !== undefined
      ? setTimeout(() => abort.abort(), route.timeoutMs)
      : undefined;
    try {
      const res = await sendUpstream({
        address: endpoint.address,
        port: endpoint.port,
        method: req.method,
        path: upstreamPath,
        headers,
        body: req.body,
        signal: abort.signal,
      });
      if (timer !== undefined) clearTimeout(timer);
      const out = new Headers(res.headers);
      stripHopByHop(out);
      out.set("x-envoy-upstream-service-time", String(Math.round(performance.now() - started)));
      applyHeaderOperations(out, target.headers?.response);
      return decorate(new Response(res.body, { status: res.status, headers: out }), route);
    } catch (e) {
      if (timer !== undefined) clearTimeout(timer);
      if (abort.signal.aborted) return decorate(local(504, "upstream request timeout", "UT"), route);
      const reason = e instanceof UpstreamError ? e.reason : "connection_failure";
      const body = `upstream connect error or disconnect/reset before headers. reset reason: ${
        reason === "connection_failure" ? "connection failure" : reason.replace("_", " ")
      }`;
      return decorate(local(503, body, reason === "connection_failure" ? "UF" : "UR"), route);
    }
  };
}

/** A locally generated reply, with the headers Envoy puts on its own replies. */
function local(status: number, body: string, _flags: string, extra: Record<string, string> = {}): Response {
  const headers = new Headers(extra);
  headers.set("server", "istio-envoy");
  if (body !== "") headers.set("content-type", "text/plain");
  return new Response(status === 204 || status === 304 ? null : ENCODER.encode(body), { status, headers });
}

/** Route-level response header rules and the gateway's `server` header. */
function decorate(res: Response, route: RouteEntry): Response {
  applyHeaderOperations(res.headers, route.headers?.response);
  res.headers.set("server", "istio-envoy");
  return res;
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

function pickEndpoint(cluster: Cluster, cursors: WeakMap<Cluster, number>): Endpoint | undefined {
  const n = cluster.endpoints.length;
  if (n === 0) return undefined;
  const i = cursors.get(cluster) ?? 0;
  cursors.set(cluster, (i + 1) % n);
  return cluster.endpoints[i % n];
}

/** `rewrite.uri` replaces the matched prefix (or the whole path for exact and regex matches). */
function rewritePrefix(route: RouteEntry, path: string, replacement: string): string {
  const prefix = route.match.spec?.uri?.prefix;
  if (prefix !== undefined && path.startsWith(prefix)) return replacement + path.slice(prefix.length);
  return replacement;
}
