/**
 * The propagation of a provider: how the caller's context is read, how it combines with the gateway's tracing
 * decision, and which headers carry the gateway's context upstream.
 *
 * - OpenTelemetry (W3C): a span is sampled when the gateway decided to trace and the caller's `traceparent`,
 *   if any, is sampled too (Envoy since #45830).
 * - Zipkin (B3): the caller's sampling flag wins when the headers state one; otherwise the gateway's decision.
 *   With `USE_B3_WITH_W3C_PROPAGATION`, `traceparent` is read when no B3 context came, and sent along.
 * @module
 */
import { extractB3, injectB3 } from "./b3.ts";
import type { Extraction, HeaderGetter, HeaderSetter, LocalContext } from "./context.ts";
import type { Propagation } from "./settings.ts";
import { extractW3c, formatTraceparent, injectW3c, TRACEPARENT } from "./w3c.ts";

/** A provider's propagation. */
export interface Propagator {
  /** The caller's context; null when malformed (Envoy then makes no span and sends the headers on as is). */
  extract(get: HeaderGetter): Extraction | null;
  /** Whether the gateway's span is sampled, given the caller's context and the gateway's decision. */
  sampled(extraction: Extraction, traced: boolean): boolean;
  /** Writes the gateway's context into the upstream request. */
  inject(set: HeaderSetter, ctx: LocalContext): void;
}

const W3C: Propagator = {
  extract: extractW3c,
  sampled: (e, traced) => traced && (e.parent === undefined || e.sampled === true),
  inject: injectW3c,
};

const ZIPKIN: Propagator = {
  extract: extractB3,
  sampled: (e, traced) => e.sampled ?? traced,
  inject: injectB3,
};

const ZIPKIN_W3C: Propagator = {
  extract(get) {
    const b3 = extractB3(get);
    if (b3 === null || b3.parent !== undefined || get(TRACEPARENT) === null) return b3;
    const w3c = extractW3c(get);
    if (w3c === null) return b3;
    return b3.sampled === undefined ? w3c : { ...w3c, sampled: b3.sampled };
  },
  sampled: ZIPKIN.sampled,
  inject(set, ctx) {
    injectB3(set, ctx);
    set(TRACEPARENT, formatTraceparent(ctx));
  },
};

/** The propagator of a propagation format. */
export function propagatorFor(propagation: Propagation): Propagator {
  return propagation === "w3c" ? W3C : propagation === "b3" ? ZIPKIN : ZIPKIN_W3C;
}
