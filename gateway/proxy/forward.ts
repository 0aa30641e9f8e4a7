/**
 * Forwarding a routed request to an upstream endpoint: upstream headers, path rewrite, route timeout (over the
 * whole exchange, as Envoy's), client-disconnect cancellation, and the response as the client sees it.
 * @module
 */
import type { RouteEntry, WeightedCluster } from "../compile/types.ts";
import type { Target } from "./endpoints.ts";
import { applyEdgeRequestHeaders, type EdgeContext, stripHopByHop } from "./headers.ts";
import { localReply, type ResponseFlag, upstreamResetBody } from "./local_reply.ts";
import { rewritePath } from "./rewrite.ts";
import { applyHeaderOperations } from "./route_actions.ts";
import { type SendUpstream, UpstreamError } from "./upstream.ts";

/** The parts of the downstream request forwarding uses. */
export interface Downstream {
  readonly request: Request;
  readonly authority: string;
  /** Path with query, as received. */
  readonly fullPath: string;
  readonly path: string;
  readonly query: string;
  readonly edge: EdgeContext;
  readonly startedAt: number;
}

/** How a forwarded request ended, for logs and metrics. */
export interface ForwardResult {
  readonly response: Response;
  readonly flag?: ResponseFlag;
}

/** After this long without upstream response headers, the client connection is watched for a disconnect. */
const DISCONNECT_WATCH_MS = 50;

/** Sends the request to `target` and builds the client's response. */
export async function forward(
  down: Downstream,
  route: RouteEntry,
  cluster: WeightedCluster,
  target: Target,
  send: SendUpstream,
): Promise<ForwardResult> {
  const req = down.request;
  const { headers, path: upstreamPath } = upstreamRequest(down, route, cluster);
  const abort = new AbortController();
  let cause: ResponseFlag | undefined;
  const timer = route.timeoutMs !== undefined
    ? setTimeout(() => {
      cause = "UT";
      abort.abort();
    }, route.timeoutMs)
    : undefined;
  // req.signal is costly to create, so only requests still waiting after a moment watch for a disconnect.
  const onClientGone = () => {
    cause ??= "DC";
    abort.abort();
  };
  let watching = false;
  const watch = setTimeout(() => {
    watching = true;
    if (req.signal.aborted) onClientGone();
    else req.signal.addEventListener("abort", onClientGone, { once: true });
  }, DISCONNECT_WATCH_MS);
  const stopWatching = () => {
    clearTimeout(watch);
    if (watching) req.signal.removeEventListener("abort", onClientGone);
  };
  try {
    const res = await send({
      address: target.address,
      port: target.port,
      method: req.method,
      path: upstreamPath,
      headers,
      body: req.body,
      signal: abort.signal,
    });
    stopWatching();
    const out = new Headers(res.headers);
    stripHopByHop(out);
    out.set("x-envoy-upstream-service-time", String(Math.round(performance.now() - down.startedAt)));
    applyHeaderOperations(out, cluster.headers?.response);
    const body = timer === undefined || res.body === null
      ? res.body
      : untilDone(res.body, () => clearTimeout(timer));
    if (res.body === null && timer !== undefined) clearTimeout(timer);
    return { response: new Response(body, { status: res.status, headers: out }) };
  } catch (e) {
    stopWatching();
    if (timer !== undefined) clearTimeout(timer);
    if (cause === "UT") return { response: localReply(504, "upstream request timeout"), flag: "UT" };
    if (cause === "DC") return { response: localReply(499, "client disconnected"), flag: "DC" };
    const reason = e instanceof UpstreamError ? e.reason : "connection_failure";
    const flag: ResponseFlag = reason === "connection_failure"
      ? "UF"
      : reason === "protocol_error"
      ? "UPE"
      : "UR";
    return { response: localReply(503, upstreamResetBody(reason)), flag };
  }
}

/** The upstream request's headers and path (with query) for a routed request. */
export function upstreamRequest(
  down: Downstream,
  route: RouteEntry,
  cluster: WeightedCluster,
): { headers: Headers; path: string } {
  const headers = new Headers(down.request.headers);
  applyEdgeRequestHeaders(headers, down.edge);
  headers.set("x-envoy-attempt-count", "1");
  if (route.timeoutMs !== undefined) headers.set("x-envoy-expected-rq-timeout-ms", String(route.timeoutMs));
  let path = down.fullPath;
  if (route.rewrite?.uri !== undefined || route.rewrite?.uriRegexRewrite !== undefined) {
    const rewritten = rewritePath(route.rewrite, down.path, route.match.spec?.uri?.prefix);
    path = down.query ? `${rewritten}?${down.query}` : rewritten;
    headers.set("x-envoy-original-path", down.fullPath);
  }
  headers.set("host", route.rewrite?.authority ?? down.authority);
  applyHeaderOperations(headers, route.headers?.request);
  applyHeaderOperations(headers, cluster.headers?.request);
  return { headers, path };
}

/** Passes a body through and calls `done` when it ends, errors or is cancelled. */
function untilDone(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: finished } = await reader.read();
        if (finished) {
          done();
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        done();
        controller.error(e);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
