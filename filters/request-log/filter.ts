// request-log: one structured line per request, written in on_log through proxy_log (the gateway's `wasm` logger):
// JSON by default (or logfmt-style `key=value` text), with Istio's JSON access-log keys or any chosen fields,
// including headers and property paths. `sampleRate` logs a random fraction of requests, `minStatus` only
// responses at or above a status. See README.md.
import {
  Action,
  Attribute,
  attributeError,
  getPropertyInt,
  getPropertyString,
  JsonValue,
  jsonError,
  log,
  LogLevel,
  logAt,
  logLevel,
  nowNanos,
  parseJson,
  registerFilter,
  request,
  response,
  responseFlagsText,
  RootContext,
  StreamContext,
} from "@portcullis/filter-sdk";

@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buf: usize, len: usize): u16;

/** Where WASI writes the sampler's seed. */
const SEED: usize = memory.data(8);

/** The fields a name alone selects: Istio's JSON access-log keys (`EnvoyJSONLogFormatIstio`), in its order. */
const BUILTIN_FIELDS: string[] = [
  "start_time",
  "route_name",
  "method",
  "path",
  "protocol",
  "response_code",
  "response_flags",
  "response_code_details",
  "connection_termination_details",
  "bytes_received",
  "bytes_sent",
  "duration",
  "upstream_service_time",
  "x_forwarded_for",
  "user_agent",
  "request_id",
  "authority",
  "upstream_host",
  "upstream_cluster",
  "upstream_local_address",
  "downstream_local_address",
  "downstream_remote_address",
  "requested_server_name",
  "upstream_transport_failure_reason",
];
const START_TIME = 0;
const ROUTE_NAME = 1;
const METHOD = 2;
const PATH = 3;
const PROTOCOL = 4;
const RESPONSE_CODE = 5;
const RESPONSE_FLAGS = 6;
const RESPONSE_CODE_DETAILS = 7;
const CONNECTION_TERMINATION_DETAILS = 8;
const BYTES_RECEIVED = 9;
const BYTES_SENT = 10;
const DURATION = 11;
const UPSTREAM_SERVICE_TIME = 12;
const X_FORWARDED_FOR = 13;
const USER_AGENT = 14;
const REQUEST_ID = 15;
const AUTHORITY = 16;
const UPSTREAM_HOST = 17;
const UPSTREAM_CLUSTER = 18;
const UPSTREAM_LOCAL_ADDRESS = 19;
const DOWNSTREAM_LOCAL_ADDRESS = 20;
const DOWNSTREAM_REMOTE_ADDRESS = 21;
const REQUESTED_SERVER_NAME = 22;
const UPSTREAM_TRANSPORT_FAILURE_REASON = 23;

const LEVEL_NAMES: string[] = ["trace", "debug", "info", "warn", "error", "critical"];

function fail(message: string): bool {
  log.error("request-log: " + message);
  return false;
}

/** One key of the line: a built-in field, or an attribute expression. */
class Field {
  builtin: i32 = -1;
  attribute: Attribute | null = null;
  constructor(public key: string) {}

  /** Whether the value is a JSON number. */
  numeric(): bool {
    const b = this.builtin;
    return b == RESPONSE_CODE || b == BYTES_RECEIVED || b == BYTES_SENT || b == DURATION;
  }
}

function parseField(v: JsonValue, where: string): Field | null {
  if (v.isString()) {
    const at = BUILTIN_FIELDS.indexOf(v.stringValue);
    if (at < 0) {
      fail(where + ": \"" + v.stringValue + "\" is not a field (" + BUILTIN_FIELDS.join(", ") + ")");
      return null;
    }
    const f = new Field(v.stringValue);
    f.builtin = at;
    return f;
  }
  if (!v.isObject() || v.keys.length != 1 || !v.values[0].isString()) {
    fail(where + " must be a field name or {key: expression}");
    return null;
  }
  const attribute = Attribute.parse(v.values[0].stringValue);
  if (attribute === null) {
    fail(where + "." + v.keys[0] + ": " + attributeError());
    return null;
  }
  const f = new Field(v.keys[0]);
  f.attribute = attribute;
  return f;
}

/** A JSON string literal of `s`. */
function jsonString(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    plain = c >= 0x20 && c != 0x22 && c != 0x5c;
  }
  if (plain) return "\"" + s + "\"";
  const parts = new Array<string>();
  parts.push("\"");
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) parts.push("\\\"");
    else if (c == 0x5c) parts.push("\\\\");
    else if (c == 0x0a) parts.push("\\n");
    else if (c == 0x0d) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else if (c < 0x20) parts.push("\\u00" + (c < 0x10 ? "0" : "") + c.toString(16));
    else parts.push(String.fromCharCode(c));
  }
  parts.push("\"");
  return parts.join("");
}

/** A logfmt value: bare when it can be, else a JSON-style quoted string; `-` for none. */
function textValue(s: string | null): string {
  if (s === null || s.length == 0) return "-";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c == 0x22 || c == 0x3d || c == 0x5c) return jsonString(s);
  }
  return s;
}

class RequestLogRoot extends RootContext {
  fields: Field[] = new Array<Field>();
  json: bool = true;
  level: LogLevel = LogLevel.Info;
  /** Requests are logged when a draw below 2^32 falls under this (2^32: always). */
  sampleThreshold: u64 = <u64>1 << 32;
  minStatus: i64 = 0;
  random: u64 = 0;

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    const format = json.getString("format", "json");
    if (format != "json" && format != "text") return fail("format must be json or text");
    this.json = format == "json";
    const level = LEVEL_NAMES.indexOf(json.getString("level", "info"));
    if (level < 0) return fail("level must be one of " + LEVEL_NAMES.join(", "));
    this.level = <LogLevel>level;
    const rate = json.getNumber("sampleRate", 1);
    if (!(rate >= 0 && rate <= 1)) return fail("sampleRate must be a number from 0 to 1");
    this.sampleThreshold = <u64>Math.round(rate * 4294967296.0);
    this.minStatus = json.getInt("minStatus", 0);
    if (this.minStatus < 0 || this.minStatus > 599) return fail("minStatus must be a status from 0 to 599");
    const fields = json.get("fields");
    if (fields === null) {
      for (let i = 0; i < BUILTIN_FIELDS.length; i++) {
        const f = new Field(BUILTIN_FIELDS[i]);
        f.builtin = i;
        this.fields.push(f);
      }
    } else {
      if (!fields.isArray() || fields.items.length == 0) return fail("fields must be a non-empty list");
      for (let i = 0; i < fields.items.length; i++) {
        const f = parseField(fields.items[i], "fields[" + i.toString() + "]");
        if (f === null) return false;
        this.fields.push(f);
      }
    }
    random_get(SEED, 8);
    this.random = load<u64>(SEED) | 1;
    return true;
  }

  newStream(): StreamContext {
    return new RequestLogStream(this);
  }

  /** Whether this request is in the sample (xorshift64*, seeded from WASI random_get). */
  sampled(): bool {
    if (this.sampleThreshold >= (<u64>1 << 32)) return true;
    let x = this.random;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    this.random = x;
    return ((x * 0x2545f4914f6cdd1d) >> 32) < this.sampleThreshold;
  }
}

class RequestLogStream extends StreamContext {
  requestBytes: u64 = 0;
  responseBytes: u64 = 0;
  /** `response.code`, read once (-1: not yet). */
  code: i64 = -1;
  /** `request.time` in nanoseconds, read once (-2: not yet, -1: none). */
  start: i64 = -2;

  constructor(public root: RequestLogRoot) {
    super();
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    this.requestBytes += bodySize;
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    this.responseBytes += bodySize;
    return Action.Continue;
  }

  startNanos(): i64 {
    if (this.start == -2) this.start = getPropertyInt("request.time", -1);
    return this.start;
  }

  /** Whole milliseconds from the request's start to now (0 when the host gives no start). */
  durationMillis(): i64 {
    const start = this.startNanos();
    const now = <i64>nowNanos();
    return start < 0 || now < start ? 0 : (now - start) / 1_000_000;
  }

  responseCode(): i64 {
    if (this.code < 0) this.code = getPropertyInt("response.code", 0);
    return this.code;
  }

  onLog(): void {
    const root = this.root;
    if (root.level < logLevel() || !root.sampled()) return;
    if (root.minStatus > 0 && this.responseCode() < root.minStatus) return;
    const parts = new Array<string>();
    if (root.json) parts.push("{");
    for (let i = 0; i < root.fields.length; i++) {
      const f = root.fields[i];
      const v = this.value(f);
      if (root.json) {
        if (i > 0) parts.push(",");
        parts.push(jsonString(f.key));
        parts.push(":");
        parts.push(v === null ? "null" : f.numeric() ? v : jsonString(v));
      } else {
        if (i > 0) parts.push(" ");
        parts.push(f.key);
        parts.push("=");
        parts.push(textValue(v));
      }
    }
    if (root.json) parts.push("}");
    logAt(root.level, parts.join(""));
  }

  value(f: Field): string | null {
    const a = f.attribute;
    if (a !== null) return a.value();
    switch (f.builtin) {
      case START_TIME: {
        const start = this.startNanos();
        return start < 0 ? null : new Date(start / 1_000_000).toISOString();
      }
      case ROUTE_NAME:
        return getPropertyString("route_name");
      case METHOD:
        return request.headers.get(":method");
      case PATH: {
        const original = request.headers.get("x-envoy-original-path");
        return original !== null ? original : request.headers.get(":path");
      }
      case PROTOCOL:
        return getPropertyString("request.protocol");
      case RESPONSE_CODE:
        return this.responseCode().toString();
      case RESPONSE_FLAGS:
        return responseFlagsText(getPropertyInt("response.flags", 0));
      case RESPONSE_CODE_DETAILS:
        return getPropertyString("response.code_details");
      case CONNECTION_TERMINATION_DETAILS:
        return getPropertyString("connection.termination_details");
      case BYTES_RECEIVED:
        return this.requestBytes.toString();
      case BYTES_SENT:
        return this.responseBytes.toString();
      case DURATION:
        return this.durationMillis().toString();
      case UPSTREAM_SERVICE_TIME:
        return response.headers.get("x-envoy-upstream-service-time");
      case X_FORWARDED_FOR:
        return request.headers.get("x-forwarded-for");
      case USER_AGENT:
        return request.headers.get("user-agent");
      case REQUEST_ID:
        return request.headers.get("x-request-id");
      case AUTHORITY:
        return request.headers.get(":authority");
      case UPSTREAM_HOST:
        return getPropertyString("upstream.address");
      case UPSTREAM_CLUSTER:
        return getPropertyString("cluster_name");
      case UPSTREAM_LOCAL_ADDRESS:
        return getPropertyString("upstream.local_address");
      case DOWNSTREAM_LOCAL_ADDRESS:
        return getPropertyString("destination.address");
      case DOWNSTREAM_REMOTE_ADDRESS:
        return getPropertyString("source.address");
      case REQUESTED_SERVER_NAME:
        return getPropertyString("connection.requested_server_name");
      case UPSTREAM_TRANSPORT_FAILURE_REASON:
        return getPropertyString("upstream.transport_failure_reason");
    }
    return null;
  }
}

registerFilter((): RootContext => new RequestLogRoot());
