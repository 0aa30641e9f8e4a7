/**
 * Envoy's access-log command operators over a {@link RequestRecord}. Each compiles once to a field function
 * returning a string, a number (operators Envoy types as numbers in JSON logs) or undefined when the value is
 * missing (printed `-` in text, `null` in JSON). Operators Portcullis has no data for, and unknown ones, are
 * always missing.
 * @module
 */
import { addressHost, addressPort } from "../address.ts";
import { type CelExpression, compileCel, printValue, RecordActivation } from "../cel/mod.ts";
import type { CelMap } from "../cel/values.ts";
import { CelError } from "../cel/values.ts";
import type { RequestRecord } from "../request_record.ts";
import { longResponseFlags } from "../response_flags.ts";
import { compileTimeFormat, defaultStartTime } from "./start_time.ts";

/** A value of one operator for one request; undefined when missing. */
export type FieldValue = string | number | undefined;

/** A compiled operator. */
export type Field = (rec: RequestRecord) => FieldValue;

/** What some operators need besides the record. */
export interface OperatorContext {
  /** `%HOSTNAME%`. */
  readonly hostname: string;
  /** Envoy's `node` for `%CEL(...)%`. */
  readonly node: CelMap;
}

/** Compiles one command operator (`name`, its parenthesised `arg`, its `:N` truncation). */
export function compileOperator(
  name: string,
  arg: string | undefined,
  maxLength: number | undefined,
  ctx: OperatorContext,
): Field {
  const field = baseOperator(name, arg, ctx);
  if (maxLength === undefined) return field;
  return (rec) => {
    const v = field(rec);
    return typeof v === "string" ? v.slice(0, maxLength) : v;
  };
}

const missing: Field = () => undefined;

function baseOperator(name: string, arg: string | undefined, ctx: OperatorContext): Field {
  switch (name) {
    case "START_TIME": {
      const format = arg ? compileTimeFormat(arg) : defaultStartTime;
      return (rec) => format(rec.startTime);
    }
    case "EMIT_TIME": {
      const format = arg ? compileTimeFormat(arg) : defaultStartTime;
      return () => format(Date.now());
    }
    case "REQ":
      return headerOperator(arg, requestHeader);
    case "RESP":
      return headerOperator(arg, responseHeader);
    case "REQ_WITHOUT_QUERY":
      return headerOperator(arg, (rec, h) => {
        const v = requestHeader(rec, h);
        return v === undefined ? v : v.split("?")[0];
      });
    case "PROTOCOL":
      return (rec) => rec.protocol;
    case "RESPONSE_CODE":
      return (rec) => rec.responseCode;
    case "RESPONSE_FLAGS":
      return (rec) => rec.responseFlags || "-";
    case "RESPONSE_FLAGS_LONG":
      return (rec) => longResponseFlags(rec.responseFlags);
    case "RESPONSE_CODE_DETAILS":
      return (rec) => rec.responseCodeDetails || undefined;
    case "UPSTREAM_TRANSPORT_FAILURE_REASON":
      return (rec) => rec.upstreamTransportFailureReason || undefined;
    case "BYTES_RECEIVED":
      return (rec) => rec.requestBytes;
    case "BYTES_SENT":
      return (rec) => rec.responseBytes;
    case "DURATION":
      return (rec) => Math.floor(rec.durationMs);
    case "UPSTREAM_HOST":
    case "UPSTREAM_REMOTE_ADDRESS":
      return (rec) => rec.upstreamHost || undefined;
    case "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT":
      return (rec) => (rec.upstreamHost ? addressHost(rec.upstreamHost) : undefined);
    case "UPSTREAM_REMOTE_PORT":
      return (rec) => (rec.upstreamHost ? addressPort(rec.upstreamHost) : undefined);
    case "UPSTREAM_CLUSTER":
    case "UPSTREAM_CLUSTER_RAW":
      return (rec) => rec.upstreamCluster || undefined;
    case "UPSTREAM_LOCAL_ADDRESS":
      return (rec) => rec.upstreamLocalAddress || undefined;
    case "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT":
      return (rec) => (rec.upstreamLocalAddress ? addressHost(rec.upstreamLocalAddress) : undefined);
    case "UPSTREAM_LOCAL_PORT":
      return (rec) => (rec.upstreamLocalAddress ? addressPort(rec.upstreamLocalAddress) : undefined);
    case "DOWNSTREAM_LOCAL_ADDRESS":
      return (rec) => rec.downstreamLocalAddress || undefined;
    case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT":
      return (rec) => addressHost(rec.downstreamLocalAddress) || undefined;
    case "DOWNSTREAM_LOCAL_PORT":
      return (rec) => addressPort(rec.downstreamLocalAddress) ?? rec.listenerPort;
    case "DOWNSTREAM_REMOTE_ADDRESS":
    case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS":
      return (rec) => rec.downstreamRemoteAddress || undefined;
    case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT":
    case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT":
      return (rec) => addressHost(rec.downstreamRemoteAddress) || undefined;
    case "DOWNSTREAM_REMOTE_PORT":
    case "DOWNSTREAM_DIRECT_REMOTE_PORT":
      return (rec) => addressPort(rec.downstreamRemoteAddress);
    case "REQUESTED_SERVER_NAME":
      return (rec) => rec.requestedServerName || undefined;
    case "ROUTE_NAME":
      return (rec) => rec.routeName || undefined;
    case "GRPC_STATUS":
      return (
        rec,
      ) => (rec.grpcStatus === undefined
        ? undefined
        : GRPC_STATUS_NAMES[Number(rec.grpcStatus)] ?? rec.grpcStatus);
    case "GRPC_STATUS_NUMBER":
      return (
        rec,
      ) => (rec.grpcStatus === undefined || rec.grpcStatus === "" ? undefined : Number(rec.grpcStatus));
    case "HOSTNAME":
      return () => ctx.hostname;
    case "UNIQUE_ID":
      return () => crypto.randomUUID();
    case "ACCESS_LOG_TYPE":
      return () => "DownstreamEnd";
    case "ENVIRONMENT":
      return environmentOperator(arg);
    case "CEL":
      return celOperator(arg, ctx);
    default:
      return missing;
  }
}

/** `REQ(X?Y)`-style lookups: the first header, else the alternative. */
function headerOperator(
  arg: string | undefined,
  lookup: (rec: RequestRecord, header: string) => string | undefined,
): Field {
  if (!arg) return missing;
  const [main, alt] = arg.toLowerCase().split("?");
  if (alt === undefined) return (rec) => lookup(rec, main);
  return (rec) => lookup(rec, main) ?? lookup(rec, alt);
}

function requestHeader(rec: RequestRecord, header: string): string | undefined {
  switch (header) {
    case ":method":
      return rec.method;
    case ":path":
      return rec.path;
    case ":authority":
      return rec.authority;
    case ":scheme":
      return rec.scheme;
    case "x-request-id":
      // The id sent upstream, which Envoy's (mutated) request headers carry.
      return rec.requestId ?? rec.requestHeaders.get(header) ?? undefined;
    default:
      return rec.requestHeaders.get(header) ?? undefined;
  }
}

function responseHeader(rec: RequestRecord, header: string): string | undefined {
  if (header === ":status") return rec.responseCode > 0 ? String(rec.responseCode) : undefined;
  const v = rec.responseHeaders?.get(header);
  if (v !== null && v !== undefined) return v;
  // The gateway sets this header itself; the record carries its value.
  if (header === "x-envoy-upstream-service-time" && rec.upstreamServiceTimeMs !== undefined) {
    return String(Math.floor(rec.upstreamServiceTimeMs));
  }
  return undefined;
}

function environmentOperator(arg: string | undefined): Field {
  let value: string | undefined;
  try {
    value = arg ? Deno.env.get(arg) : undefined;
  } catch {
    value = undefined;
  }
  return () => value;
}

function celOperator(arg: string | undefined, ctx: OperatorContext): Field {
  const compiled = compileCel(arg ?? "");
  if ("error" in compiled) return missing;
  const expr: CelExpression = compiled;
  return (rec) => {
    const v = expr.evaluate(new RecordActivation(rec, ctx.node));
    return v instanceof CelError ? undefined : printValue(v);
  };
}

/** Envoy's names of the gRPC status codes (`%GRPC_STATUS%`). */
const GRPC_STATUS_NAMES: readonly string[] = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];
