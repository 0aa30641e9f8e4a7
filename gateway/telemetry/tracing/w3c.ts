/**
 * W3C Trace Context (`traceparent`, `tracestate`) as Envoy's OpenTelemetry tracer reads and writes it: the
 * header must be exactly `vv-<32 hex>-<16 hex>-ff` (either case), ids not all zeros; any other version digits
 * are accepted; `tracestate` values are joined with `,`. A malformed `traceparent` is not replaced by a new
 * trace: Envoy then makes no span and leaves the headers as they came.
 * @module
 */
import type { Extraction, HeaderGetter, HeaderSetter, LocalContext, RemoteContext } from "./context.ts";
import { isAllZeros, isHex } from "./ids.ts";

/** `traceparent`. */
export const TRACEPARENT = "traceparent";
/** `tracestate`. */
const TRACESTATE = "tracestate";

const LENGTH = 55; // 2 + 1 + 32 + 1 + 16 + 1 + 2

/** The parent in a `traceparent` value with its sampled flag; undefined when malformed. */
export function parseTraceparent(
  value: string,
  traceState = "",
): { readonly parent: RemoteContext; readonly sampled: boolean } | undefined {
  if (value.length !== LENGTH) return undefined;
  const parts = value.split("-").filter((p) => p !== "");
  if (parts.length !== 4) return undefined;
  const [version, traceId, spanId, flags] = parts;
  if (version.length !== 2 || traceId.length !== 32 || spanId.length !== 16 || flags.length !== 2) {
    return undefined;
  }
  if (!isHex(version) || !isHex(traceId) || !isHex(spanId) || !isHex(flags)) return undefined;
  if (isAllZeros(traceId) || isAllZeros(spanId)) return undefined;
  return {
    parent: { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), traceState },
    sampled: (parseInt(flags, 16) & 1) === 1,
  };
}

/**
 * The W3C context of a request: `{}` without `traceparent`, null when it is malformed (no span, headers left
 * alone), else the parent and its sampled flag.
 */
export function extractW3c(get: HeaderGetter): Extraction | null {
  const traceparent = get(TRACEPARENT);
  if (traceparent === null) return {};
  return parseTraceparent(traceparent, get(TRACESTATE) ?? "") ?? null;
}

/** `00-<trace id>-<span id>-<01|00>`; a 64-bit trace id is padded to 128 bits. */
export function formatTraceparent(ctx: LocalContext): string {
  const traceId = ctx.traceId.length === 32 ? ctx.traceId : ctx.traceId.padStart(32, "0");
  return `00-${traceId}-${ctx.spanId}-${ctx.sampled ? "01" : "00"}`;
}

/** Sets `traceparent` and `tracestate` (empty when the trace has none, as Envoy sends it). */
export function injectW3c(set: HeaderSetter, ctx: LocalContext): void {
  set(TRACEPARENT, formatTraceparent(ctx));
  set(TRACESTATE, ctx.traceState);
}
