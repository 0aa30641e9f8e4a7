/**
 * The numbered enumerations of the Proxy-Wasm ABI: buffers, header maps, stream types, metric types, log
 * levels and the values the header and body callbacks return.
 * @module
 */
import {
  LOG_LEVEL_NAMES as ENVOY_LOG_LEVEL_NAMES,
  LogLevel as EnvoyLogLevel,
} from "../../gateway/log/levels.ts";

/** `proxy_buffer_type_t`. */
export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  CallData: 8,
} as const;

/** `proxy_map_type_t`. */
export const MapType = {
  HttpRequestHeaders: 0,
  HttpRequestTrailers: 1,
  HttpResponseHeaders: 2,
  HttpResponseTrailers: 3,
  GrpcReceiveInitialMetadata: 4,
  GrpcReceiveTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;

/** `proxy_stream_type_t` (for `proxy_continue_stream` and `proxy_close_stream`). */
export const StreamType = { Request: 0, Response: 1, Downstream: 2, Upstream: 3 } as const;

/** `proxy_metric_type_t`. */
export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

/** One of {@linkcode MetricType}. */
export type MetricType = typeof MetricType[keyof typeof MetricType];

/**
 * `proxy_log_level_t`: 0 trace to 5 critical. Envoy hands its own (spdlog) level numbers to filters as they
 * are, so these are the gateway's levels (`gateway/log/levels.ts`, the one definition) under the Proxy-Wasm
 * names; Envoy's `off` (6) has no ABI name, and `proxy_get_log_level` reports it unchanged.
 */
export const LogLevel = {
  Trace: EnvoyLogLevel.trace,
  Debug: EnvoyLogLevel.debug,
  Info: EnvoyLogLevel.info,
  Warn: EnvoyLogLevel.warning,
  Error: EnvoyLogLevel.error,
  Critical: EnvoyLogLevel.critical,
} as const;

/** One of {@linkcode LogLevel}. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

/** Envoy's names of the log levels, indexed by {@linkcode LogLevel} (`off` left out). */
export const LOG_LEVEL_NAMES: readonly string[] = ENVOY_LOG_LEVEL_NAMES.slice(0, LogLevel.Critical + 1);

/**
 * What a headers or trailers callback may return (Envoy's `FilterHeadersStatus`): only Continue and
 * ContinueAndEndStream let the stream go on; every other value stops it until `proxy_continue_stream`.
 */
export const HeadersStatus = {
  Continue: 0,
  StopIteration: 1,
  ContinueAndEndStream: 2,
  StopAllIterationAndBuffer: 3,
  StopAllIterationAndWatermark: 4,
} as const;

/** What a body callback may return (Envoy's `FilterDataStatus`): anything but Continue holds the data. */
export const DataStatus = {
  Continue: 0,
  StopIterationAndBuffer: 1,
  StopIterationAndWatermark: 2,
  StopIterationNoBuffer: 3,
} as const;
