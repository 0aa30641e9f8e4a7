/**
 * What the data path learns about one request for telemetry, as Envoy's `StreamInfo`: response flags and
 * details, the route, cluster and endpoint, byte counts and timings; turned into a `RequestRecord` once the
 * response is over.
 * @module
 */
import type { Cluster, Endpoint, RouteEntry } from "../compile/types.ts";
import type { RequestRecord } from "../telemetry/request_record.ts";
import type { RequestTrace, Tracer } from "../telemetry/tracing/mod.ts";

/** Receives finished requests (the gateway's telemetry). */
export interface RequestSink {
  /** False while recording would do nothing (metrics off, no access log): requests are not tracked. */
  readonly active?: boolean;
  /** The tracer while tracing is on; each tracked request then gets a trace. */
  readonly tracer?: Tracer;
  record(rec: RequestRecord): void;
}

/** Body sizes of responses the gateway built itself (local replies, direct responses). */
const LOCAL_BODY_BYTES = new WeakMap<Response, number>();

/** Notes the body size of a response made by the gateway. */
export function noteBodyBytes(res: Response, bytes: number): Response {
  LOCAL_BODY_BYTES.set(res, bytes);
  return res;
}

/** Facts about one request, filled in as it is routed and forwarded. */
export class StreamInfo {
  /** `Date.now()` at the start. */
  readonly startTime = Date.now();
  method = "";
  /** The client's address (read before a WebSocket upgrade closes the request). */
  remote?: Deno.NetAddr;
  /** `:authority` as received. */
  authority = "";
  /** Path with query, as received. */
  fullPath = "";
  scheme = "http";
  /** Envoy response flags, comma-joined; empty for none. */
  flags = "";
  /** Envoy's response code details. */
  details = "";
  routeName?: string;
  /** The route that matched (the dashboard's per-route series). */
  route?: RouteEntry;
  cluster?: Cluster;
  endpoint?: Endpoint;
  /** Milliseconds from the request's start to the upstream response headers. */
  upstreamServiceTimeMs?: number;
  /** The request id sent upstream. */
  requestId?: string;
  /**
   * The request headers to record instead of the request's own: a request upgraded to a WebSocket no longer
   * has readable headers once upgraded, so a copy is taken before.
   */
  requestHeaders?: Headers;
  /** Request body bytes, when known. */
  requestBytes?: number;
  /** Response body bytes, when the forwarded response's size is known at once. */
  responseBytes?: number;
  /**
   * Set by forwarding when the response body streams: calls back with the bytes sent once it ends (then the
   * request is recorded); undefined when the response is complete when returned.
   */
  whenBodyDone?: (callback: (bytes: number) => void) => void;
  /** The request's trace, when tracing is on. */
  trace?: RequestTrace;

  /** Adds a flag (`UF`, `URX` ...). */
  addFlag(flag: string): void {
    this.flags = this.flags === "" ? flag : `${this.flags},${flag}`;
  }
}

/** What the record needs besides the stream info. */
export interface RecordContext {
  readonly req: Request;
  readonly info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  /** `address:port` the listener accepted the request on. */
  readonly localAddress: string;
  readonly listenerPort: number;
  /** `performance.now()` at the start. */
  readonly startedAt: number;
}

/** Calls `sink` with the request's record once its response is over. */
export function reportWhenDone(sink: RequestSink, si: StreamInfo, ctx: RecordContext, res: Response): void {
  // A WebSocket upgrade: its response and request must go back to Deno.serve untouched (reading their headers
  // breaks the upgrade), and it has no body: it is recorded at once, with the request headers copied before.
  if (res.status === 101) {
    si.requestBytes ??= 0;
    sink.record(toRecord(si, ctx, res, 0, undefined));
    return;
  }
  const known = si.responseBytes ?? LOCAL_BODY_BYTES.get(res);
  if (si.whenBodyDone !== undefined && known === undefined) {
    si.whenBodyDone((bytes) => sink.record(toRecord(si, ctx, res, bytes, res.headers)));
  } else {
    sink.record(toRecord(si, ctx, res, known ?? contentLength(res.headers), res.headers));
  }
}

function contentLength(headers: Headers): number {
  const n = Number(headers.get("content-length") ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function toRecord(
  si: StreamInfo,
  ctx: RecordContext,
  res: Response,
  responseBytes: number,
  headers: Headers | undefined,
): RequestRecord {
  const remote = si.remote ?? ctx.info.remoteAddr;
  const cluster = si.cluster;
  return {
    startTime: si.startTime,
    durationMs: Math.round(performance.now() - ctx.startedAt),
    method: si.method,
    authority: si.authority,
    path: si.fullPath,
    scheme: si.scheme,
    protocol: "HTTP/1.1",
    requestHeaders: si.requestHeaders ?? ctx.req.headers,
    requestBytes: si.requestBytes ?? (bodyless(si.method) ? 0 : contentLength(ctx.req.headers)),
    responseCode: res.status,
    responseBytes,
    responseFlags: si.flags === "" ? "-" : si.flags,
    responseCodeDetails: si.details || undefined,
    upstreamServiceTimeMs: si.upstreamServiceTimeMs,
    upstreamHost: si.endpoint ? hostPort(si.endpoint.address, si.endpoint.port) : undefined,
    upstreamCluster: cluster?.name,
    routeName: si.routeName || undefined,
    route: si.route,
    trace: si.trace,
    downstreamRemoteAddress: hostPort(remote.hostname, remote.port),
    downstreamLocalAddress: ctx.localAddress,
    listenerPort: ctx.listenerPort,
    destinationService: cluster ? destinationService(cluster) : undefined,
    requestId: si.requestId,
    responseHeaders: headers,
    grpcStatus: headers?.get("grpc-status") ?? undefined,
  };
}

function bodyless(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

type DestinationService = NonNullable<RequestRecord["destinationService"]>;

/** Destination service labels per compiled cluster (computed once per snapshot's cluster). */
const DESTINATIONS = new WeakMap<Cluster, DestinationService>();

function destinationService(cluster: Cluster): DestinationService {
  let found = DESTINATIONS.get(cluster);
  if (!found) DESTINATIONS.set(cluster, found = destinationServiceOf(cluster));
  return found;
}

/** Istio's destination service labels for a cluster: Kubernetes-style names split, other hosts whole. */
function destinationServiceOf(cluster: Cluster): DestinationService {
  const host = cluster.host;
  const kube = /^([^.]+)\.([^.]+)\.svc\./.exec(host);
  const seNamespace = cluster.serviceEntry?.split("/")[0];
  return {
    host,
    name: kube ? kube[1] : host,
    namespace: kube ? kube[2] : seNamespace ?? "unknown",
    subset: cluster.subset,
    port: cluster.port,
  };
}
