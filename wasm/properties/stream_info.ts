/**
 * What the data path tells the host about a stream, for `proxy_get_property`: peers, connection, timing,
 * sizes, response code and flags, route and cluster. The data path owns the object and updates it as the
 * stream goes (the response code before `onResponseHeaders`, sizes and duration before `complete`); the
 * host reads it only when a filter asks. Request method, path, host, scheme and headers come from the
 * request header map itself, as in Envoy.
 * @module
 */

/** An IP endpoint. */
export interface Peer {
  /** IPv4 or IPv6 address, without brackets. */
  address: string;
  /** Port number. */
  port: number;
}

/** The downstream connection. */
export interface ConnectionInfo {
  /** Connection id (`connection.id`, `connection_id`). */
  id?: number;
  /** Whether the peer presented a verified client certificate. */
  mtls?: boolean;
  /** SNI (`connection.requested_server_name`). */
  requestedServerName?: string;
  /** e.g. `TLSv1.3`. */
  tlsVersion?: string;
  /** Subject of the peer certificate. */
  subjectPeerCertificate?: string;
  /** Subject of the local certificate. */
  subjectLocalCertificate?: string;
  /** URI SANs of the peer certificate. */
  uriSanPeerCertificate?: readonly string[];
  /** DNS SANs of the peer certificate. */
  dnsSanPeerCertificate?: readonly string[];
  /** Why the connection ended, when it has. */
  terminationDetails?: string;
}

/** The upstream host a request went to. */
export interface UpstreamInfo {
  /** Upstream address (without port). */
  address?: string;
  /** Upstream port. */
  port?: number;
  /** Local address of the upstream connection, `ip:port`. */
  localAddress?: string;
  /** TLS version of the upstream connection. */
  tlsVersion?: string;
  /** Why connecting failed, when it did. */
  transportFailureReason?: string;
  /** How many attempts the request took. */
  requestAttemptCount?: number;
}

/** Request timing and sizes. */
export interface RequestInfo {
  /** When the first byte arrived, in milliseconds since the epoch. */
  startTime?: number;
  /** Time from the first to the last request byte, in milliseconds. */
  duration?: number;
  /** `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`, `HTTP/3`. */
  protocol?: string;
  /** Body bytes. */
  size?: number;
  /** Body plus header bytes. */
  totalSize?: number;
}

/** The response as sent (or being sent). */
export interface ResponseInfo {
  /** HTTP status code. */
  code?: number;
  /** Why that code (Envoy's response code details, e.g. `via_upstream`). */
  codeDetails?: string;
  /** Envoy's response flags as a bit set. */
  flags?: number;
  /** gRPC status, for gRPC responses. */
  grpcStatus?: number;
  /** Body bytes. */
  size?: number;
  /** Body plus header bytes. */
  totalSize?: number;
}

/** A value for a path the host does not know, encoded as Envoy encodes property values. */
export type PropertyValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | Date
  | readonly string[]
  | ReadonlyMap<string, string>;

/** The data path's view of one stream. */
export interface StreamInfo {
  /** Downstream peer (`source.address`, `source.port`). */
  source?: Peer;
  /** Local address the request came in on (`destination.*`). */
  destination?: Peer;
  /** The upstream host (`upstream.*`). */
  upstream?: UpstreamInfo;
  /** The downstream connection (`connection.*`). */
  connection?: ConnectionInfo;
  /** Request timing and sizes (`request.time`, `request.duration`, …). */
  request?: RequestInfo;
  /** The response (`response.code`, …). */
  response?: ResponseInfo;
  /** Name of the matched route (`route_name`, `xds.route_name`). */
  routeName?: string;
  /** Name of the upstream cluster (`cluster_name`, `xds.cluster_name`). */
  clusterName?: string;
  /** Values for any other path (metadata, filter state); undefined means not found. */
  property?(path: readonly string[]): PropertyValue | undefined;
}
