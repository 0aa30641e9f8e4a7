// Attribute expressions as Istio's stats plugin dimensions and access-log fields write them, without full CEL:
// a property path (`request.host`, `route_name`, `node.metadata.WORKLOAD_NAME`), a header
// (`request.headers['x-tenant']`, `response.headers['content-type']`, `response.trailers['grpc-status']`) or a
// quoted literal (`'prod'`). Values are read as text: integer attributes in decimal, booleans as true/false.
import { HeaderMap } from "./headers";
import { getPropertyAt } from "./properties";
import { request, response } from "./stream_control";

const FROM_PROPERTY = 0;
const FROM_HEADER = 1;
const LITERAL = 2;

/** Envoy attributes encoded as 8-byte integers (`response.code` …): read as decimal text. */
const INTEGER_ATTRIBUTES: string[] = [
  "response.code",
  "response.flags",
  "response.grpc_status",
  "response.size",
  "response.total_size",
  "request.size",
  "request.total_size",
  "request.time",
  "request.duration",
  "source.port",
  "destination.port",
  "upstream.port",
  "upstream.request_attempt_count",
  "connection.id",
  "connection_id",
];

/** Envoy attributes encoded as one byte. */
const BOOLEAN_ATTRIBUTES: string[] = ["connection.mtls"];

const HEADER_FORMS: string[] = ["request.headers[", "response.headers[", "response.trailers["];

let lastError: string = "";

/** Why the last `Attribute.parse` returned null. */
export function attributeError(): string {
  return lastError;
}

function unquote(text: string): string | null {
  if (text.length < 2) return null;
  const q = text.charAt(0);
  if ((q != "'" && q != "\"") || text.charAt(text.length - 1) != q) return null;
  const inner = text.substring(1, text.length - 1);
  return inner.includes(q) ? null : inner;
}

/** A value taken from the current stream, as a dimension or a log field names it. */
export class Attribute {
  kind: i32 = FROM_PROPERTY;
  /** The property's segments (FROM_PROPERTY). */
  segments: string[] = new Array<string>();
  /** 0 text, 1 integer, 2 boolean (FROM_PROPERTY). */
  encoding: i32 = 0;
  /** The header map (FROM_HEADER). */
  map: HeaderMap | null = null;
  /** The header name (FROM_HEADER), or the literal (LITERAL). */
  name: string = "";

  /** The expression `text` as written; null (reason in `attributeError()`) when it is not a supported form. */
  static parse(text: string): Attribute | null {
    const a = new Attribute();
    const t = text.trim();
    if (t.length == 0) return failParse("an empty expression");
    const literal = unquote(t);
    if (literal !== null) {
      a.kind = LITERAL;
      a.name = literal;
      return a;
    }
    for (let i = 0; i < HEADER_FORMS.length; i++) {
      const form = HEADER_FORMS[i];
      if (!t.startsWith(form)) continue;
      const name = t.endsWith("]") ? unquote(t.substring(form.length, t.length - 1)) : null;
      if (name === null || name.length == 0) return failParse("\"" + t + "\": write " + form + "'name']");
      a.kind = FROM_HEADER;
      a.name = name.toLowerCase();
      a.map = i == 0 ? request.headers : i == 1 ? response.headers : response.trailers;
      return a;
    }
    if (t.includes("(") || t.includes(" ") || t.includes("[") || t.includes("|") || t.includes("+")) {
      return failParse("\"" + t + "\" is not a property path or a header (CEL operators are not supported)");
    }
    a.segments = t.split(".");
    for (let i = 0; i < a.segments.length; i++) {
      if (a.segments[i].length == 0) return failParse("\"" + t + "\" has an empty path segment");
    }
    a.encoding = INTEGER_ATTRIBUTES.includes(t) ? 1 : BOOLEAN_ATTRIBUTES.includes(t) ? 2 : 0;
    return a;
  }

  /** The value on the current stream, or null when it has none. */
  value(): string | null {
    if (this.kind == LITERAL) return this.name;
    if (this.kind == FROM_HEADER) return this.map!.get(this.name);
    const b = getPropertyAt(this.segments);
    if (b === null) return null;
    if (this.encoding == 1) return b.byteLength == 8 ? load<i64>(changetype<usize>(b)).toString() : null;
    if (this.encoding == 2) return b.byteLength == 1 ? (load<u8>(changetype<usize>(b)) != 0 ? "true" : "false") : null;
    return String.UTF8.decode(b);
  }
}

function failParse(message: string): Attribute | null {
  lastError = message;
  return null;
}

/** Envoy's response flags in bit order (`response.flags`), by short name. */
const RESPONSE_FLAGS: string[] = [
  "LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC", "URX", "SI", "IH",
  "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO", "DR", "UDO",
];

/** `response.flags` (Envoy's bits) as `%RESPONSE_FLAGS%` prints them: `UF,URX`, or `-` for none. */
export function responseFlagsText(bits: i64): string {
  if (bits == 0) return "-";
  let out = "";
  for (let i = 0; i < RESPONSE_FLAGS.length; i++) {
    if ((bits & (<i64>1 << <i64>i)) == 0) continue;
    out = out.length == 0 ? RESPONSE_FLAGS[i] : out + "," + RESPONSE_FLAGS[i];
  }
  return out.length == 0 ? "-" : out;
}
