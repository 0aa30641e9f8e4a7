/**
 * Header handling at the gateway edge, as Istio configures Envoy's connection manager for gateways: hop-by-hop
 * removal, `X-Forwarded-*`, `X-Request-Id`, and sanitizing of `x-envoy-*` control headers from outside.
 * @module
 */
import type { ClientAddresses } from "./client_address.ts";
import { HeaderList } from "./header_list.ts";

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not forward, plus the legacy `proxy-connection` and
 * `keep-alive` that HTTP/1.0-era clients send.
 */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Envoy's control headers that a request from outside may not set (`cleanInternalHeaders` of its connection
 * manager, for an edge request); other `x-envoy-*` fields pass. `x-envoy-internal` is dropped from every
 * request and set again for internal ones; `x-envoy-external-address` is set anew for external ones.
 */
const EXTERNAL_STRIPPED = new Set([
  "x-envoy-decorator-operation",
  "x-envoy-downstream-service-cluster",
  "x-envoy-downstream-service-node",
  "x-envoy-retriable-status-codes",
  "x-envoy-retriable-header-names",
  "x-envoy-retry-on",
  "x-envoy-retry-grpc-on",
  "x-envoy-max-retries",
  "x-envoy-upstream-alt-stat-name",
  "x-envoy-upstream-rq-timeout-ms",
  "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-upstream-rq-timeout-alt-response",
  "x-envoy-expected-rq-timeout-ms",
  "x-envoy-force-trace",
  "x-envoy-ip-tags",
  "x-envoy-original-url",
  "x-envoy-hedge-on-per-try-timeout",
  "x-envoy-external-address",
]);

/**
 * Fields Envoy's connection manager removes from every request before its filters; `connection` and `upgrade`
 * go too, unless the request is an upgrade (they are forwarded verbatim then).
 */
const HCM_REMOVED = new Set(["keep-alive", "proxy-connection", "transfer-encoding"]);

/** Which edits one pass makes (see {@linkcode upstreamHeaders} and {@linkcode edgeRequestFields}). */
const enum Pass {
  /** No filters ran: the connection manager's edits and the router's hop-by-hop removal at once. */
  Whole,
  /** Before the filters: the connection manager's edits only. */
  ConnectionManager,
  /** After filters that saw the connection manager's edits: hop-by-hop removal only. */
  Router,
}

/** What one pass over the downstream headers found (synchronous, so module variables serve all calls). */
let out: HeaderList = new HeaderList();
let pass = Pass.Whole;
let upgrade = false;
let skipEnvoy = false;
let keepForwardedProto = false;
let sawForwardedProto = false;
let sawRequestId = false;
let decidedRequestId: string | undefined;
let keepClientCert = false;
let sawTrailersTe = false;
let currentSource: readonly string[] = [];
let connectionNamed: Set<string> | null = null;

function copyEdgeHeader(value: string, name: string): void {
  if (name === "te") {
    // Envoy keeps TE only as `trailers` (gRPC relies on it), when the client offered it; never twice.
    if (!sawTrailersTe && offersTrailers(value)) {
      sawTrailersTe = true;
      out.fields.push("te", "trailers");
    }
    return;
  }
  if (pass === Pass.ConnectionManager) {
    if (HCM_REMOVED.has(name) || (!upgrade && (name === "connection" || name === "upgrade"))) return;
  } else if (HOP_BY_HOP.has(name) || connectionNamed?.has(name)) return;
  if (pass !== Pass.Router && name.charCodeAt(0) === 120 && name.charCodeAt(1) === 45) { // "x-"
    if (name.startsWith("x-envoy-")) {
      if (name === "x-envoy-internal" || (skipEnvoy && EXTERNAL_STRIPPED.has(name))) return;
    } else if (name === "x-forwarded-for") {
      return; // replaced by the list with the peer appended
    } else if (name === "x-forwarded-client-cert") {
      if (!keepClientCert) return;
    } else if (name === "x-forwarded-proto") {
      sawForwardedProto = true;
      if (!keepForwardedProto) return;
    } else if (name === "x-request-id") {
      // Envoy regenerates the id of an edge request (Istio does not set preserve_external_request_id); an id
      // decided before the filters replaces the request's own.
      if (decidedRequestId !== undefined || skipEnvoy) return;
      sawRequestId = true;
    }
  } else if (pass !== Pass.Router && name === "referer" && !acceptableReferer(value)) return;
  out.fields.push(name, value);
}

/**
 * Envoy's connection manager drops a Referer that is repeated or not a URL with a scheme (a relative one
 * included); `URL.canParse` stands in for its URL parser.
 */
function acceptableReferer(value: string): boolean {
  let count = 0;
  for (let i = 0; i < currentSource.length; i += 2) if (currentSource[i] === "referer") count++;
  return count === 1 && URL.canParse(value);
}

/** Whether a TE value lists `trailers`. */
function offersTrailers(value: string): boolean {
  for (const token of value.split(",")) if (token.trim().toLowerCase() === "trailers") return true;
  return false;
}

/** The tokens of a `Connection` value other than `close`/`keep-alive`: header names to drop. */
function namedByConnection(connection: string | null): Set<string> | null {
  if (connection === null) return null;
  let named: Set<string> | null = null;
  for (const token of connection.split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "" && !HOP_BY_HOP.has(name)) (named ??= new Set()).add(name);
  }
  return named;
}

/** What the edge header rules need to know about the downstream request. */
export interface EdgeContext {
  readonly addresses: ClientAddresses;
  /** `http` or `https`, from the downstream connection. */
  readonly scheme: string;
  /** Whether proxies in front are trusted (`numTrustedProxies` > 0): then their X-Forwarded-Proto is kept. */
  readonly trustProxies: boolean;
  /** The `x-request-id` decided before the filters ran (forwarded in place of the request's own). */
  readonly requestId?: string;
  /**
   * Keep a client's X-Forwarded-Client-Cert (`forwardClientCertDetails: ALWAYS_FORWARD_ONLY`). Otherwise Envoy
   * removes it from a connection without a client certificate, which every connection is until mTLS listeners.
   */
  readonly keepClientCert?: boolean;
  /**
   * The request's fields already had the connection manager's edits before its filters
   * ({@linkcode edgeRequestFields}): only hop-by-hop fields go now.
   */
  readonly edited?: boolean;
}

/**
 * The upstream request headers for downstream request fields `source` (`[name, value, …]`, lowercase names, in
 * received order: see `requestFields`), in one pass: hop-by-hop removed (including those `Connection` names)
 * and, unless `ctx.edited`, the connection manager's edits of {@linkcode edgeRequestFields}. The other fields
 * keep their order and repeats.
 */
export function upstreamHeaders(source: readonly string[], ctx: EdgeContext): HeaderList {
  let connection: string | null = null;
  for (let i = 0; i < source.length; i += 2) {
    if (source[i] === "connection") {
      connection = connection === null ? source[i + 1] : `${connection},${source[i + 1]}`;
    }
  }
  connectionNamed = namedByConnection(connection);
  const list = onePass(source, ctx, ctx.edited ? Pass.Router : Pass.Whole);
  connectionNamed = null;
  return list;
}

/**
 * The fields Envoy's connection manager hands its filters (and, after them, the router): keep-alive,
 * proxy-connection and transfer-encoding removed, and connection and upgrade unless `isUpgrade`;
 * X-Forwarded-For with the peer appended; X-Forwarded-Proto set (kept from trusted proxies); for external
 * requests Envoy's control headers stripped (`EXTERNAL_STRIPPED`), `x-envoy-external-address` set to the client
 * address and X-Request-Id generated anew; for internal ones `x-envoy-internal: true` and X-Request-Id generated
 * when absent; a client's X-Forwarded-Client-Cert removed unless `keepClientCert`.
 */
export function edgeRequestFields(
  source: readonly string[],
  ctx: EdgeContext,
  isUpgrade: boolean,
): HeaderList {
  upgrade = isUpgrade;
  return onePass(source, ctx, Pass.ConnectionManager);
}

function onePass(source: readonly string[], ctx: EdgeContext, which: Pass): HeaderList {
  const list = new HeaderList();
  out = list;
  pass = which;
  skipEnvoy = !ctx.addresses.internal;
  keepForwardedProto = ctx.trustProxies;
  sawForwardedProto = sawRequestId = false;
  decidedRequestId = ctx.requestId;
  keepClientCert = ctx.keepClientCert === true;
  sawTrailersTe = false;
  currentSource = source;
  for (let i = 0; i < source.length; i += 2) copyEdgeHeader(source[i + 1], source[i]);
  currentSource = [];
  if (which === Pass.Router) return list;
  const fields = list.fields;
  if (skipEnvoy) fields.push("x-envoy-external-address", ctx.addresses.client);
  else fields.push("x-envoy-internal", "true");
  fields.push("x-forwarded-for", ctx.addresses.forwardedFor);
  if (!keepForwardedProto || !sawForwardedProto) fields.push("x-forwarded-proto", ctx.scheme);
  if (!sawRequestId) fields.push("x-request-id", decidedRequestId ?? crypto.randomUUID());
  return list;
}

/**
 * Appends the fields of an upstream response to the client response's `target`, without hop-by-hop fields
 * (and those its `Connection` names).
 */
export function appendResponseHeaders(target: Headers, source: HeaderList): void {
  const f = source.fields;
  let named: Set<string> | null = null;
  for (let i = 0; i < f.length; i += 2) {
    if (f[i] === "connection") named = namedByConnection(f[i + 1]);
  }
  for (let i = 0; i < f.length; i += 2) {
    const name = f[i];
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    target.append(name, f[i + 1]);
  }
}
