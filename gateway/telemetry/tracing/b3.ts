/**
 * B3 propagation as Envoy's Zipkin tracer reads and writes it: the single `b3` header takes precedence over
 * the `x-b3-*` headers; ids are hex numbers read leniently (short ids are zero-padded, `x-b3-traceid` of 32
 * digits is 128-bit); the sampling flag comes from `b3` (`0`, `1`, `d`) or `x-b3-sampled` (`1` or `true`;
 * anything else is "not sampled"); `x-b3-flags` is not read. Malformed ids make Envoy skip the span and leave
 * the headers as they came. Outgoing: `x-b3-traceid`, `x-b3-spanid`, `x-b3-parentspanid` (when the span has a
 * parent) and `x-b3-sampled`.
 * @module
 */
import type { Extraction, HeaderGetter, HeaderSetter, LocalContext } from "./context.ts";
import { isHex } from "./ids.ts";

/** The B3 header names. */
export const B3 = {
  single: "b3",
  traceId: "x-b3-traceid",
  spanId: "x-b3-spanid",
  parentSpanId: "x-b3-parentspanid",
  sampled: "x-b3-sampled",
} as const;

/** A hex number of at most 64 bits as 16 zero-padded lowercase digits; undefined when not one. */
function hex64(s: string): string | undefined {
  if (!isHex(s)) return undefined;
  const digits = s.replace(/^0+/, "").toLowerCase();
  return digits.length > 16 ? undefined : digits.padStart(16, "0");
}

/** A sampling flag of the single header: `0` false, `1` or `d` (debug) true. */
function flag(c: string): boolean | undefined {
  return c === "0" ? false : c === "1" || c === "d" ? true : undefined;
}

/** The sampling decision the B3 headers state, if any (Envoy's `extractSampled`). */
export function extractB3Sampled(get: HeaderGetter): boolean | undefined {
  const b3 = get(B3.single);
  if (b3 !== null) {
    const at = b3.length === 1 ? 0 : b3.length === 35 || b3.length === 52 ? 34 : -1;
    const pos = at >= 0 ? at : b3.length === 51 || b3.length === 68 ? 50 : -1;
    return pos < 0 ? undefined : flag(b3[pos]);
  }
  const sampled = get(B3.sampled);
  if (sampled === null) return undefined;
  return sampled === "1" || sampled === "true";
}

/**
 * The B3 context of a request: null when its ids are malformed, `{}` when it has none, else the parent (and
 * the stated sampling decision, if any).
 */
export function extractB3(get: HeaderGetter): Extraction | null {
  const sampled = extractB3Sampled(get);
  const b3 = get(B3.single);
  const parent = b3 !== null ? parseSingle(b3) : parseMulti(get);
  if (parent === null) return null;
  if (parent === undefined) return sampled === undefined ? {} : { sampled };
  return { parent: { ...parent, traceState: "" }, ...(sampled === undefined ? {} : { sampled }) };
}

type Ids = { traceId: string; spanId: string } | undefined | null;

function parseMulti(get: HeaderGetter): Ids {
  const tid = get(B3.traceId);
  const sid = get(B3.spanId);
  if (tid === null || sid === null) return undefined;
  let traceId: string | undefined;
  if (tid.length === 32) {
    const high = hex64(tid.slice(0, 16));
    const low = hex64(tid.slice(16));
    traceId = high !== undefined && low !== undefined ? high + low : undefined;
  } else {
    traceId = hex64(tid);
  }
  const spanId = hex64(sid);
  if (traceId === undefined || spanId === undefined) return null;
  const pid = get(B3.parentSpanId);
  if (pid !== null && pid !== "" && hex64(pid) === undefined) return null;
  return { traceId, spanId };
}

/** `{trace id}-{span id}[-{flag}[-{parent id}]]`, or a lone flag (no ids). */
function parseSingle(b3: string): Ids {
  if (b3.length === 0) return null;
  if (b3.length === 1) return flag(b3) === undefined ? null : undefined;
  if (b3.length < 33 || b3.length > 32 + 1 + 16 + 3 + 16) return null;
  let pos = 0;
  let traceId: string | undefined;
  if (b3[32] === "-") {
    const high = hex64(b3.slice(0, 16));
    const low = hex64(b3.slice(16, 32));
    traceId = high !== undefined && low !== undefined ? high + low : undefined;
    pos = 32;
  } else {
    traceId = hex64(b3.slice(0, 16));
    pos = 16;
  }
  if (traceId === undefined || b3[pos++] !== "-") return null;
  const spanId = hex64(b3.slice(pos, pos + 16));
  if (spanId === undefined) return null;
  pos += 16;
  if (b3.length > pos) {
    if (b3.length === pos + 1 || b3[pos++] !== "-") return null;
    if (!(b3.length === pos + 1 || b3[pos + 1] === "-") || flag(b3[pos]) === undefined) return null;
    pos++;
    if (b3.length > pos && (b3.length !== pos + 17 || hex64(b3.slice(pos + 1)) === undefined)) return null;
  }
  return { traceId, spanId };
}

/** Sets the `x-b3-*` headers of the gateway's span. */
export function injectB3(set: HeaderSetter, ctx: LocalContext): void {
  set(B3.traceId, ctx.traceId);
  set(B3.spanId, ctx.spanId);
  if (ctx.parentSpanId !== undefined) set(B3.parentSpanId, ctx.parentSpanId);
  set(B3.sampled, ctx.sampled ? "1" : "0");
}
