/**
 * Envoy's request attributes (`request.*`, `response.*`, `source.*`, `destination.*`, `connection.*`,
 * `upstream.*`, `xds.*`, `node`) over a {@link RequestRecord}, built lazily for each evaluation. An attribute
 * the record does not know is absent, so an expression reading it fails as it does in Envoy when the value is
 * missing. Istio's peer metadata (`upstream_peer`, `downstream_peer`, `filter_state`) does not exist at a
 * gateway without sidecars and is never declared.
 * @module
 */
import { addressPort } from "../address.ts";
import type { RequestRecord } from "../request_record.ts";
import { responseFlagBits } from "../response_flags.ts";
import type { GatewayWorkload } from "../workload.ts";
import type { Activation } from "./compile.ts";
import {
  CelDuration,
  type CelKey,
  type CelMap,
  CelTimestamp,
  type CelValue,
  PlainCelMap,
  stringMap,
} from "./values.ts";

/** A map whose values are computed by key (cheaply, from the record) on each lookup. */
class LazyMap implements CelMap {
  constructor(
    private readonly names: readonly string[],
    private readonly compute: (key: string) => CelValue | undefined,
  ) {}
  get(key: CelKey): CelValue | undefined {
    return typeof key === "string" ? this.compute(key) : undefined;
  }
  size(): number {
    return [...this.keys()].length;
  }
  *keys(): Iterable<CelKey> {
    for (const n of this.names) if (this.get(n) !== undefined) yield n;
  }
}

/** Headers as a CEL `map<string, string>` (case-insensitive, repeated values joined with `,`). */
class HeaderMap implements CelMap {
  constructor(
    private readonly headers: Headers,
    private readonly pseudo: Readonly<Record<string, string>> = {},
  ) {}
  get(key: CelKey): CelValue | undefined {
    if (typeof key !== "string") return undefined;
    if (key.startsWith(":")) return this.pseudo[key];
    return this.headers.get(key) ?? undefined;
  }
  size(): number {
    return [...this.keys()].length;
  }
  *keys(): Iterable<CelKey> {
    yield* Object.keys(this.pseudo);
    for (const [k] of this.headers) yield k;
  }
}

const EMPTY_HEADERS = new Headers();

/** Envoy's `node` message for the gateway (id, cluster, metadata with Istio's keys). */
export function nodeAttribute(workload: GatewayWorkload): CelMap {
  const metadata = new PlainCelMap(
    new Map<CelKey, CelValue>([
      ["WORKLOAD_NAME", workload.name],
      ["NAMESPACE", workload.namespace],
      ["CLUSTER_ID", workload.cluster],
      ["LABELS", stringMap(workload.labels)],
    ]),
  );
  return new PlainCelMap(
    new Map<CelKey, CelValue>([
      ["id", `router~${workload.name}.${workload.namespace}`],
      ["cluster", `${workload.name}.${workload.namespace}`],
      ["metadata", metadata],
    ]),
  );
}

const REQUEST_KEYS = [
  "path",
  "url_path",
  "host",
  "scheme",
  "method",
  "headers",
  "referer",
  "useragent",
  "time",
  "id",
  "protocol",
  "query",
  "duration",
  "size",
];
const RESPONSE_KEYS = ["code", "code_details", "flags", "grpc_status", "headers", "trailers", "size"];
const ADDRESS_KEYS = ["address", "port"];
const CONNECTION_KEYS = ["mtls", "requested_server_name"];
const UPSTREAM_KEYS = ["address", "port", "local_address", "transport_failure_reason"];
const XDS_KEYS = ["cluster_name", "route_name", "listener_direction", "node"];

/** The attributes of one request record. */
export class RecordActivation implements Activation {
  constructor(private readonly rec: RequestRecord, private readonly node: CelMap) {}

  resolve(name: string): CelValue | undefined {
    const rec = this.rec;
    switch (name) {
      case "request":
        return new LazyMap(REQUEST_KEYS, (k) => requestAttribute(rec, k));
      case "response":
        return new LazyMap(RESPONSE_KEYS, (k) => responseAttribute(rec, k));
      case "source":
        return addressAttributes(rec.downstreamRemoteAddress);
      case "destination":
        return addressAttributes(rec.downstreamLocalAddress);
      case "connection":
        return new LazyMap(CONNECTION_KEYS, (k) => {
          if (k === "mtls") return false;
          if (k === "requested_server_name") return rec.requestedServerName ?? "";
          return undefined;
        });
      case "upstream":
        return new LazyMap(UPSTREAM_KEYS, (k) => {
          if (k === "address") return rec.upstreamHost;
          if (k === "port") return optionalInt(rec.upstreamHost ? addressPort(rec.upstreamHost) : undefined);
          if (k === "local_address") return rec.upstreamLocalAddress;
          if (k === "transport_failure_reason") return rec.upstreamTransportFailureReason;
          return undefined;
        });
      case "xds":
        return new LazyMap(XDS_KEYS, (k) => {
          if (k === "cluster_name") return rec.upstreamCluster;
          if (k === "route_name") return rec.routeName;
          if (k === "listener_direction") return 2n; // OUTBOUND: gateway listeners
          if (k === "node") return this.node;
          return undefined;
        });
      case "node":
        return this.node;
      default:
        return undefined;
    }
  }
}

function requestAttribute(rec: RequestRecord, key: string): CelValue | undefined {
  const q = rec.path.indexOf("?");
  switch (key) {
    case "path":
      return rec.path;
    case "url_path":
      return q < 0 ? rec.path : rec.path.slice(0, q);
    case "query":
      return q < 0 ? "" : rec.path.slice(q + 1);
    case "host":
      return rec.authority;
    case "scheme":
      return rec.scheme;
    case "method":
      return rec.method;
    case "headers":
      return new HeaderMap(rec.requestHeaders, {
        ":authority": rec.authority,
        ":method": rec.method,
        ":path": rec.path,
        ":scheme": rec.scheme,
      });
    case "referer":
      return rec.requestHeaders.get("referer") ?? undefined;
    case "useragent":
      return rec.requestHeaders.get("user-agent") ?? undefined;
    case "time":
      return new CelTimestamp(rec.startTime);
    case "id":
      return rec.requestId ?? rec.requestHeaders.get("x-request-id") ?? undefined;
    case "protocol":
      return rec.protocol;
    case "duration":
      return new CelDuration(rec.durationMs);
    case "size":
      return BigInt(rec.requestBytes);
    default:
      return undefined;
  }
}

function responseAttribute(rec: RequestRecord, key: string): CelValue | undefined {
  switch (key) {
    case "code":
      return rec.responseCode > 0 ? BigInt(rec.responseCode) : undefined;
    case "code_details":
      return rec.responseCodeDetails;
    case "flags":
      return responseFlagBits(rec.responseFlags);
    case "grpc_status":
      return rec.grpcStatus !== undefined && /^\d+$/.test(rec.grpcStatus)
        ? BigInt(rec.grpcStatus)
        : undefined;
    case "headers":
      return new HeaderMap(
        rec.responseHeaders ?? EMPTY_HEADERS,
        rec.responseCode > 0 ? { ":status": String(rec.responseCode) } : {},
      );
    case "trailers":
      return new HeaderMap(EMPTY_HEADERS);
    case "size":
      return BigInt(rec.responseBytes);
    default:
      return undefined;
  }
}

function addressAttributes(address: string): CelMap {
  return new LazyMap(ADDRESS_KEYS, (k) => (k === "address" ? address : optionalInt(addressPort(address))));
}

function optionalInt(n: number | undefined): bigint | undefined {
  return n === undefined ? undefined : BigInt(n);
}
