/**
 * One request sink feeding several: telemetry, the dashboard's traffic window, the per-request debug log.
 * The data path records a request only while one of them is active, and each gets only what it wants.
 * @module
 */
import type { RequestSink } from "../proxy/stream_info.ts";
import type { RequestRecord } from "../telemetry/request_record.ts";

/** A sink that forwards each finished request to every active sink of `sinks`. */
export function fanOutRequests(sinks: readonly RequestSink[]): RequestSink {
  return {
    get active() {
      for (const sink of sinks) if (sink.active !== false) return true;
      return false;
    },
    get tracer() {
      for (const sink of sinks) if (sink.tracer) return sink.tracer;
      return undefined;
    },
    record(rec: RequestRecord) {
      for (const sink of sinks) if (sink.active !== false) sink.record(rec);
    },
  };
}
