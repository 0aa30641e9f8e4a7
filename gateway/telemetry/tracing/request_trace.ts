/**
 * The trace of one request, as Envoy's connection manager and router make it at an Istio gateway (whose
 * listeners are outbound, with `spawn_upstream_span`): the tracing decision once the `x-request-id` is known
 * (packed into it), the gateway's SERVER span as a child of the caller's context (or a new root), one CLIENT
 * span per upstream attempt whose context goes upstream, and the spans reported when the response ends.
 *
 * The data path calls, in order: {@link RequestTrace.onUpstreamHeaders} once the upstream headers are built,
 * {@link RequestTrace.startAttempt} / {@link RequestTrace.endAttempt} around each attempt, and
 * {@link RequestTrace.finish} with the request's record. A request answered without going upstream only gets
 * `finish`. A malformed incoming context gives no span at all (Envoy's null span): the headers pass unchanged.
 * @module
 */
import { isInternalAddress } from "../../proxy/client_address.ts";
import type { RequestRecord } from "../request_record.ts";
import type { HeaderGetter, LocalContext } from "./context.ts";
import { randomSpanId, randomTraceId } from "./ids.ts";
import { decideTrace } from "./sampling.ts";
import type { FinishedSpan } from "./span.ts";
import { type AttemptFacts, downstreamTags, spanUrl, upstreamTags } from "./span_tags.ts";
import type { Tracer } from "./tracer.ts";

/** The upstream request headers, as the data path builds them. */
export interface UpstreamHeaders {
  get(name: string): string | null;
  /** Sets a lowercase field to a valid value, replacing any. */
  setValid(name: string, value: string): void;
}

/** Where the request's route is found when it ends (the data path's stream info). */
export interface RouteSource {
  readonly route?: { readonly operation: string };
}

/** How an upstream attempt ended (the router's attempt outcome). */
export type AttemptEnd =
  | { readonly kind: "response"; readonly status: number }
  | { readonly kind: "reset"; readonly reason: string };

/** Envoy's response flag for each reset reason of an attempt. */
const RESET_FLAGS: Readonly<Record<string, string>> = {
  connect_failure: "UF",
  connect_timeout: "UF",
  per_try_timeout: "UT",
  protocol_error: "UPE",
  local_reset: "LR",
};

interface Attempt {
  readonly spanId: string;
  readonly attempt: number;
  readonly address: string;
  readonly startMs: number;
  endMs?: number;
  status: number;
  flags: string;
}

const REQUEST_ID = "x-request-id";
const ENVOY_PREFIX = "x-envoy-";

/** One request's trace. */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #peer: string;
  readonly #startedAt: number;
  readonly #route: RouteSource;
  #state: "pending" | "none" | "active" = "pending";
  #span?: LocalContext;
  #requestId: string | null = null;
  #upstream?: UpstreamHeaders;
  #downstreamCluster = "-";
  #attempts: Attempt[] = [];

  constructor(tracer: Tracer, peer: string, startedAt: number, route: RouteSource) {
    this.#tracer = tracer;
    this.#peer = peer;
    this.#startedAt = startedAt;
    this.#route = route;
  }

  /** The gateway's span context; undefined before the decision and for a request without a span. */
  get context(): LocalContext | undefined {
    return this.#span;
  }

  /** The request id, with the tracing decision packed in; null before the decision. */
  get requestId(): string | null {
    return this.#requestId;
  }

  /**
   * The upstream headers are built: the decision is made from their `x-request-id` (edge requests have a new
   * one, internal ones kept theirs) and `x-client-trace-id` / `x-envoy-force-trace` (the latter only survives
   * on internal requests), the id is updated with it, and the gateway's span context is written in.
   */
  onUpstreamHeaders(headers: UpstreamHeaders): void {
    if (this.#state === "pending") {
      const get: HeaderGetter = (name) => headers.get(name);
      const before = headers.get(REQUEST_ID);
      this.#decide(get, before);
      if (this.#requestId !== null && this.#requestId !== before) {
        headers.setValid(REQUEST_ID, this.#requestId);
      }
      this.#downstreamCluster = headers.get("x-envoy-downstream-service-cluster") ?? "-";
    }
    this.#upstream = headers;
    if (this.#span && this.#tracer.settings.propagate) this.#inject(headers, this.#span);
  }

  /**
   * Upstream attempt number `attempt` to `address`:`port` starts: its CLIENT span begins and its context
   * replaces the gateway's in `headers`.
   */
  startAttempt(headers: UpstreamHeaders, attempt: number, address: string, port: number): void {
    const span = this.#span;
    if (!span) return;
    this.#closeOpenAttempt();
    const spanId = randomSpanId();
    this.#attempts.push({
      spanId,
      attempt,
      address: address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`,
      startMs: this.#now(),
      status: 0,
      flags: "-",
    });
    if (this.#tracer.settings.propagate) {
      this.#inject(headers, { ...span, spanId, parentSpanId: span.spanId });
    }
  }

  /** The current attempt ended, with an upstream response or reset (the router's attempt outcome). */
  endAttempt(outcome: AttemptEnd): void {
    const open = this.#attempts.at(-1);
    if (!open || open.endMs !== undefined) return;
    open.endMs = this.#now();
    if (outcome.kind === "response") open.status = outcome.status;
    else open.flags = RESET_FLAGS[outcome.reason] ?? "UR";
  }

  /**
   * A mirror copy of the request goes out with `headers`: it carries a child context that is never sampled, as
   * Istio configures shadows (`trace_sampled: false`).
   */
  injectMirror(headers: UpstreamHeaders): void {
    const span = this.#span;
    if (!span || !this.#tracer.settings.propagate) return;
    this.#inject(headers, { ...span, spanId: randomSpanId(), parentSpanId: span.spanId, sampled: false });
  }

  /** The response is over: the spans end and, when sampled, are reported (upstream attempts first). */
  finish(rec: RequestRecord): void {
    if (this.#state === "pending") this.#decideWithoutUpstream(rec);
    const span = this.#span;
    if (!span?.sampled) return;
    const tracer = this.#tracer;
    const endMs = this.#now();
    const upstream = this.#upstream;
    const source = {
      header: upstream
        ? (name: string) => upstream.get(name)
        : (name: string) => rec.requestHeaders.get(name),
      record: rec,
    };
    this.#closeOpenAttempt();
    const last = this.#attempts.at(-1);
    if (last && last.status > 0) last.endMs = endMs; // the response streamed until now
    const cluster = rec.upstreamCluster ?? "-";
    for (const a of this.#attempts) {
      tracer.report(this.#spanOf({ ...span, spanId: a.spanId, parentSpanId: span.spanId }, {
        name: `router ${cluster} egress`,
        kind: "client",
        startMs: a.startMs,
        endMs: a.endMs ?? endMs,
        tags: upstreamTags(rec, facts(a), tracer.tags, source),
      }));
    }
    const settings = tracer.settings;
    const url = spanUrl(
      upstream?.get("x-forwarded-proto") ?? rec.scheme,
      upstream?.get("host") ?? rec.authority,
      rec.path,
      settings.maxPathTagLength,
    );
    tracer.report(this.#spanOf(span, {
      name: this.#route.route?.operation ?? `egress ${rec.authority}`,
      kind: "server",
      startMs: tracer.clock.origin + this.#startedAt,
      endMs,
      tags: downstreamTags(
        rec,
        {
          nodeId: tracer.node.nodeId,
          zone: tracer.node.zone,
          requestId: this.#requestId,
          url,
          downstreamCluster: this.#downstreamCluster,
          maxPathTagLength: settings.maxPathTagLength,
        },
        tracer.tags,
        source,
      ),
    }));
  }

  #now(): number {
    return this.#tracer.clock.origin + this.#tracer.clock.now();
  }

  #decide(get: HeaderGetter, requestId: string | null): void {
    const tracer = this.#tracer;
    const decision = decideTrace(
      {
        requestId,
        clientTraceId: get("x-client-trace-id") !== null,
        forceTrace: get("x-envoy-force-trace") !== null,
      },
      tracer.samplingNumerator,
      tracer.settings.useRequestIdForTraceSampling,
    );
    this.#requestId = decision.requestId;
    const extraction = tracer.propagator.extract(get);
    if (extraction === null) {
      this.#state = "none";
      return;
    }
    const parent = extraction.parent;
    this.#span = {
      traceId: parent?.traceId ?? randomTraceId(),
      spanId: randomSpanId(),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      sampled: tracer.propagator.sampled(extraction, decision.traced),
      traceState: parent?.traceState ?? "",
    };
    this.#state = "active";
  }

  /**
   * The decision for a request answered by the gateway itself: Envoy made it from the request id it generated
   * (edge requests) or kept (internal ones), with the `x-envoy-*` headers of edge requests removed.
   */
  #decideWithoutUpstream(rec: RequestRecord): void {
    const headers = rec.requestHeaders;
    const internal = !headers.has("x-forwarded-for") && isInternalAddress(this.#peer);
    const get: HeaderGetter = internal
      ? (name) => headers.get(name)
      : (name) => (name.startsWith(ENVOY_PREFIX) ? null : headers.get(name));
    this.#decide(get, (internal ? headers.get(REQUEST_ID) : null) ?? crypto.randomUUID());
    if (internal) this.#downstreamCluster = headers.get("x-envoy-downstream-service-cluster") ?? "-";
  }

  #inject(headers: UpstreamHeaders, ctx: LocalContext): void {
    this.#tracer.propagator.inject((name, value) => headers.setValid(name, value), ctx);
  }

  #closeOpenAttempt(): void {
    const open = this.#attempts.at(-1);
    if (open && open.endMs === undefined) open.endMs = this.#now();
  }

  #spanOf(
    ctx: LocalContext,
    rest: Pick<FinishedSpan, "name" | "kind" | "startMs" | "endMs" | "tags">,
  ): FinishedSpan {
    return {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      ...(ctx.parentSpanId !== undefined ? { parentSpanId: ctx.parentSpanId } : {}),
      traceState: ctx.traceState,
      ...rest,
    };
  }
}

function facts(a: Attempt): AttemptFacts {
  return { attempt: a.attempt, upstreamAddress: a.address, status: a.status, flags: a.flags };
}
