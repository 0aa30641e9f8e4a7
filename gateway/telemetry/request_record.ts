/**
 * The telemetry input: one finished downstream request as the data path reports it. Metrics, access logs and
 * filter expressions read only this record.
 * @module
 */

/** One finished downstream request, as the data path reports it. */
export interface RequestRecord {
  startTime: number; // Date.now() ms at request start
  durationMs: number; // total, until the last response byte (or reset)
  method: string;
  authority: string;
  path: string /* with query, as received */;
  scheme: string;
  protocol: "HTTP/1.1" | "HTTP/2" | "HTTP/1.0";
  requestHeaders: Headers; // downstream request headers (user-agent, x-request-id, x-forwarded-for, referer...)
  requestBytes: number; // body bytes received
  responseCode: number; // 0 when no response was sent
  responseBytes: number; // body bytes sent
  responseFlags: string; // Envoy flags comma-joined ("UF,URX"), "-" when none
  responseCodeDetails?: string; // Envoy's details, e.g. "via_upstream", "route_not_found", "upstream_reset_before_response_started{connection_failure}"
  upstreamServiceTimeMs?: number;
  upstreamHost?: string; // "10.0.0.1:8080"
  upstreamCluster?: string; // "outbound|80|v1|reviews.default.svc.cluster.local"
  upstreamTransportFailureReason?: string;
  routeName?: string;
  downstreamRemoteAddress: string; // "ip:port"
  downstreamLocalAddress: string; // "ip:port"
  listenerPort: number;
  destinationService?: { host: string; name: string; namespace: string; subset?: string; port?: number }; // from the chosen cluster
  requestId?: string; // the x-request-id sent upstream
  grpcStatus?: string;

  // Optional additions to the contract; telemetry works without them.

  /** Response headers sent downstream, for `%RESP(...)%` and `response.headers`. */
  responseHeaders?: Headers;
  /** Local `ip:port` of the upstream connection (`%UPSTREAM_LOCAL_ADDRESS%`, `upstream.local_address`). */
  upstreamLocalAddress?: string;
  /** TLS SNI of the downstream connection (`%REQUESTED_SERVER_NAME%`, `connection.requested_server_name`). */
  requestedServerName?: string;
  /**
   * The workload behind the chosen endpoint (Istio's endpoint metadata: the WorkloadEntry, or the ServiceEntry
   * for its inline or DNS endpoints). Fills the `destination_workload*`, `destination_canonical_*` and
   * `destination_cluster` labels; without it they are `unknown` as at an Istio gateway that has no peer data.
   */
  destinationWorkload?: DestinationWorkload;
  /** Which VirtualService rule matched (named or not), for per-route views such as the admin dashboard. */
  route?: RecordedRoute;
  /** The request's trace, when tracing is on: its spans end with this record. */
  trace?: RecordTrace;
}

/** The part of a request's trace the telemetry uses. */
export interface RecordTrace {
  /** Ends the request's spans (reporting them when sampled). */
  finish(rec: RequestRecord): void;
}

/** Where a matched route came from. */
export interface RecordedRoute {
  /** `namespace/name` of the VirtualService. */
  readonly virtualService: string;
  /** Index of the `http[]` rule. */
  readonly rule: number;
  /** Index of the rule's `match[]` entry; undefined for a rule without matches. */
  readonly matchIndex?: number;
  /** Istio's route name; empty when unnamed. */
  readonly name: string;
}

/** The identity Istio attaches to an endpoint (`workload;namespace;canonical-name;canonical-revision;cluster`). */
export interface DestinationWorkload {
  /**
   * The WorkloadEntry name (or its `service.istio.io/workload-name` label); `<ServiceEntry name>-<index>` for
   * a ServiceEntry's inline endpoints; the ServiceEntry name for endpoints resolved from its hosts.
   */
  readonly name: string;
  readonly namespace: string;
  /** Endpoint labels, read for `service.istio.io/canonical-*`, `app.kubernetes.io/*`, `app` and `version`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Cluster ID; Istio's default is `Kubernetes`. */
  readonly cluster?: string;
}
