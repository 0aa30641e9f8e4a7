/**
 * `proxy_get_property` paths resolved to Envoy-encoded bytes: the spec's well-known list and Envoy's
 * attributes (`request.*`, `response.*`, `source.*`, `destination.*`, `upstream.*`, `connection.*`,
 * `node.*`, `xds.*`, `plugin_name`, `plugin_root_id`, `plugin_vm_id`, `route_name`, `cluster_name`).
 * Request attributes come from the request header map, the rest from the data path's {@linkcode StreamInfo};
 * a path that names a map entry (`request.headers.<name>`, `node.metadata.<key>`) looks it up.
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";
import { serializePairs } from "../guest/pairs.ts";
import {
  encodeBool,
  encodeInt64,
  encodeList,
  encodeMap,
  encodeMillisAsNanos,
  encodeString,
  encodeValue,
} from "./encode.ts";
import type { Peer, StreamInfo } from "./stream_info.ts";

/** The node the gateway runs as (`node.*`), as Envoy's bootstrap node. */
export interface NodeInfo {
  /** `node.id`. */
  id?: string;
  /** `node.cluster`. */
  cluster?: string;
  /** `node.metadata` (Istio puts `WORKLOAD_NAME`, `NAMESPACE`, `CLUSTER_ID`, … there). */
  metadata?: Readonly<Record<string, string>>;
}

/** What a property lookup can see. */
export interface PropertyScope {
  /** `plugin_name`. */
  readonly pluginName: string;
  /** `plugin_root_id`. */
  readonly rootId: string;
  /** `plugin_vm_id`. */
  readonly vmId: string;
  /** `node.*`. */
  readonly node: NodeInfo | undefined;
  /** The stream's info; undefined in a root context. */
  readonly info: StreamInfo | undefined;
  /** The request header map, when the stream has one. */
  readonly requestHeaders: HeaderList | undefined;
  /** The response header map, when the stream has one. */
  readonly responseHeaders: HeaderList | undefined;
  /** The response trailer map, when the stream has one. */
  readonly responseTrailers: HeaderList | undefined;
}

/** A map that a further path segment can look into. */
interface Lookup {
  readonly entry: (key: string) => string | undefined;
  readonly whole: () => Uint8Array;
}

type Resolved = Uint8Array | Lookup | undefined;
type Resolver = (scope: PropertyScope) => Resolved;

const str = (s: string | undefined): Uint8Array | undefined => s === undefined ? undefined : encodeString(s);
const int = (n: number | undefined): Uint8Array | undefined => n === undefined ? undefined : encodeInt64(n);
const millis = (ms: number | undefined) => ms === undefined ? undefined : encodeMillisAsNanos(ms);
function header(list: HeaderList | undefined, name: string): string | undefined {
  const values = list?.getAll(name);
  return values === undefined || values.length === 0 ? undefined : values.join(",");
}
const peerAddress = (p: Peer | undefined) =>
  p === undefined
    ? undefined
    : encodeString(p.address.includes(":") ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`);

function headerLookup(list: HeaderList | undefined): Lookup | undefined {
  if (!list) return undefined;
  return { entry: (key) => header(list, key.toLowerCase()), whole: () => serializePairs(list.fields) };
}

function recordLookup(record: Readonly<Record<string, string>> | undefined): Lookup | undefined {
  if (!record) return undefined;
  return {
    entry: (key) => Object.hasOwn(record, key) ? record[key] : undefined,
    whole: () => encodeMap(new Map(Object.entries(record))),
  };
}

function pathOnly(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const q = path.indexOf("?");
  return q < 0 ? path : path.slice(0, q);
}

function queryOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const q = path.indexOf("?");
  return q < 0 ? "" : path.slice(q + 1);
}

/** Attributes named by their top segment alone. */
const TOP: Record<string, Resolver> = {
  plugin_name: (s) => encodeString(s.pluginName),
  plugin_root_id: (s) => encodeString(s.rootId),
  plugin_vm_id: (s) => encodeString(s.vmId),
  connection_id: (s) => int(s.info?.connection?.id),
  route_name: (s) => str(s.info?.routeName),
  cluster_name: (s) => str(s.info?.clusterName),
};

/** Attributes named by two segments (`request` + `path`). */
const NESTED: Record<string, Resolver> = {
  "request.path": (s) => str(header(s.requestHeaders, ":path")),
  "request.url_path": (s) => str(pathOnly(header(s.requestHeaders, ":path"))),
  "request.query": (s) => str(queryOf(header(s.requestHeaders, ":path"))),
  "request.host": (s) => str(header(s.requestHeaders, ":authority")),
  "request.scheme": (s) => str(header(s.requestHeaders, ":scheme")),
  "request.method": (s) => str(header(s.requestHeaders, ":method")),
  "request.headers": (s) => headerLookup(s.requestHeaders),
  "request.referer": (s) => str(header(s.requestHeaders, "referer")),
  "request.useragent": (s) => str(header(s.requestHeaders, "user-agent")),
  "request.id": (s) => str(header(s.requestHeaders, "x-request-id")),
  "request.time": (s) => millis(s.info?.request?.startTime),
  "request.duration": (s) => millis(s.info?.request?.duration),
  "request.protocol": (s) => str(s.info?.request?.protocol),
  "request.size": (s) => int(s.info?.request?.size),
  "request.total_size": (s) => int(s.info?.request?.totalSize),
  "response.code": (s) => {
    const code = s.info?.response?.code ?? Number(header(s.responseHeaders, ":status") ?? NaN);
    return Number.isInteger(code) ? encodeInt64(code) : undefined;
  },
  "response.code_details": (s) => str(s.info?.response?.codeDetails),
  "response.flags": (s) => int(s.info?.response?.flags),
  "response.grpc_status": (s) => int(s.info?.response?.grpcStatus),
  "response.headers": (s) => headerLookup(s.responseHeaders),
  "response.trailers": (s) => headerLookup(s.responseTrailers),
  "response.size": (s) => int(s.info?.response?.size),
  "response.total_size": (s) => int(s.info?.response?.totalSize),
  "source.address": (s) => peerAddress(s.info?.source),
  "source.port": (s) => int(s.info?.source?.port),
  "destination.address": (s) => peerAddress(s.info?.destination),
  "destination.port": (s) => int(s.info?.destination?.port),
  "connection.id": (s) => int(s.info?.connection?.id),
  "connection.mtls": (s) =>
    s.info?.connection?.mtls === undefined ? undefined : encodeBool(s.info.connection.mtls),
  "connection.requested_server_name": (s) => str(s.info?.connection?.requestedServerName),
  "connection.tls_version": (s) => str(s.info?.connection?.tlsVersion),
  "connection.subject_peer_certificate": (s) => str(s.info?.connection?.subjectPeerCertificate),
  "connection.subject_local_certificate": (s) => str(s.info?.connection?.subjectLocalCertificate),
  "connection.uri_san_peer_certificate": (s) => list(s.info?.connection?.uriSanPeerCertificate),
  "connection.dns_san_peer_certificate": (s) => list(s.info?.connection?.dnsSanPeerCertificate),
  "connection.termination_details": (s) => str(s.info?.connection?.terminationDetails),
  "upstream.address": (s) => {
    const u = s.info?.upstream;
    return u?.address === undefined || u.port === undefined ? str(u?.address) : peerAddress(u as Peer);
  },
  "upstream.port": (s) => int(s.info?.upstream?.port),
  "upstream.local_address": (s) => str(s.info?.upstream?.localAddress),
  "upstream.tls_version": (s) => str(s.info?.upstream?.tlsVersion),
  "upstream.transport_failure_reason": (s) => str(s.info?.upstream?.transportFailureReason),
  "upstream.request_attempt_count": (s) => int(s.info?.upstream?.requestAttemptCount),
  "node.id": (s) => str(s.node?.id),
  "node.cluster": (s) => str(s.node?.cluster),
  "node.metadata": (s) => recordLookup(s.node?.metadata),
  "xds.route_name": (s) => str(s.info?.routeName),
  "xds.cluster_name": (s) => str(s.info?.clusterName),
};

function list(items: readonly string[] | undefined): Uint8Array | undefined {
  return items === undefined ? undefined : encodeList(items);
}

/** The property names the host resolves itself (for documentation and tests). */
export const KNOWN_PROPERTIES: readonly string[] = [...Object.keys(TOP), ...Object.keys(NESTED)];

/**
 * The encoded value at `path` (its NUL-separated segments), or undefined when there is none. Known
 * attributes win; other paths go to the stream's {@linkcode StreamInfo.property}.
 */
export function resolveProperty(path: readonly string[], scope: PropertyScope): Uint8Array | undefined {
  if (path.length === 0) return undefined;
  let resolver: Resolver | undefined;
  let used = 1;
  if (path.length >= 2) {
    resolver = NESTED[`${path[0]}.${path[1]}`];
    used = 2;
  }
  if (!resolver) {
    resolver = TOP[path[0]];
    used = 1;
  }
  if (!resolver) {
    const value = scope.info?.property?.(path);
    return value === undefined ? undefined : encodeValue(value);
  }
  const resolved = resolver(scope);
  if (resolved === undefined) return undefined;
  if (resolved instanceof Uint8Array) return used === path.length ? resolved : undefined;
  if (used === path.length) return resolved.whole();
  if (used + 1 !== path.length) return undefined;
  return str(resolved.entry(path[used]));
}
