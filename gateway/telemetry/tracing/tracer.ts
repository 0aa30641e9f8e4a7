/**
 * The tracer of one config: its settings compiled once (propagation, sampling rate, tags) and a
 * {@link RequestTrace} per request. Spans that finish sampled go to `report` (the exporter).
 * @module
 */
import type { CompiledTag } from "./custom_tags.ts";
import { type Propagator, propagatorFor } from "./propagation.ts";
import { RequestTrace, type RouteSource } from "./request_trace.ts";
import { samplingNumerator } from "./sampling.ts";
import type { TracingSettings } from "./settings.ts";
import type { FinishedSpan } from "./span.ts";

/** The gateway as every span names it. */
export interface LocalNode {
  /** Envoy's node id (`node_id` tag). */
  readonly nodeId: string;
  /** The gateway's locality zone (`zone` tag); empty when unknown. */
  readonly zone: string;
}

/** A clock in `performance.now()` milliseconds, with the Unix time of its zero. */
export interface TraceClock {
  readonly origin: number;
  now(): number;
}

/** The system clock. */
export const SYSTEM_CLOCK: TraceClock = { origin: performance.timeOrigin, now: () => performance.now() };

/** Options of a {@link Tracer}. */
export interface TracerOptions {
  readonly settings: TracingSettings;
  readonly node: LocalNode;
  /** Istio's tags and the custom tags, sorted by name. */
  readonly tags: readonly CompiledTag[];
  /** Receives every sampled span once it ends. */
  readonly report: (span: FinishedSpan) => void;
  readonly clock?: TraceClock;
}

/** Makes the spans of requests under one config. */
export class Tracer {
  readonly settings: TracingSettings;
  readonly propagator: Propagator;
  /** The random sampling rate out of 10000. */
  readonly samplingNumerator: number;
  readonly node: LocalNode;
  readonly tags: readonly CompiledTag[];
  readonly report: (span: FinishedSpan) => void;
  readonly clock: TraceClock;

  constructor(options: TracerOptions) {
    this.settings = options.settings;
    this.propagator = propagatorFor(options.settings.propagation);
    this.samplingNumerator = samplingNumerator(options.settings.samplingPercent);
    this.node = options.node;
    this.tags = options.tags;
    this.report = options.report;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /**
   * The trace of a request from peer address `peer` that started at `startedAt` (`performance.now()`); `route`
   * is read when the request ends, for the span name (the route's decorator operation).
   */
  start(peer: string, startedAt: number, route: RouteSource): RequestTrace {
    return new RequestTrace(this, peer, startedAt, route);
  }
}
