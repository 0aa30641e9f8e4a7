/**
 * The Proxy-Wasm host: load a filter module as a plugin, run a stream through it per request.
 *
 * @example Usage
 * ```ts ignore
 * const plugin = await loadPlugin(bytes, { name: "auth", rootId: "auth", pluginConfig: { realm: "x" } });
 * const stream = plugin.createStream({ source: { address: "10.0.0.1", port: 50000 } });
 * let r = stream.onRequestHeaders(requestHeaderMap(line, headers), true);
 * if (r.action === "pause") r = await r.resumed;
 * if (r.action === "reply") return sendLocalReply(r.reply);
 * // … upstream, then onResponseHeaders / onResponseBody …
 * stream.complete();
 * ```
 * @module
 */
export { LOG_LEVEL_NAMES, LogLevel, MetricType } from "./abi/enums.ts";
export { Status } from "./abi/status.ts";
export { type AbiVersion, UnknownAbiError } from "./abi/version.ts";
export {
  requestHeaderMap,
  type RequestLine,
  responseHeaderMap,
  takePseudoHeaders,
} from "./headers/pseudo.ts";
export { KNOWN_PROPERTIES, type NodeInfo } from "./properties/resolve.ts";
export type {
  ConnectionInfo,
  Peer,
  PropertyValue,
  RequestInfo,
  ResponseInfo,
  StreamInfo,
  UpstreamInfo,
} from "./properties/stream_info.ts";
export type { CalloutRequest, CalloutResponse, HttpCallout } from "./runtime/callout.ts";
export { type HostClock, realClock } from "./runtime/clock.ts";
export { formatLogEntry, lineLogger, type WasmLogEntry, type WasmLogger } from "./runtime/logger.ts";
export type { FailStrategy, PluginOptions, RestartPolicy, SandboxLimits } from "./runtime/options.ts";
export { createFailedStream } from "./runtime/failed_stream.ts";
export { loadPlugin, type Plugin, PluginLoadError, type PluginState } from "./runtime/plugin.ts";
export * from "./runtime/results.ts";
export type { HttpFilterStream } from "./runtime/stream.ts";
export { FAIL_CLOSE_REPLY } from "./runtime/stream_failure.ts";
export { loadFilterPlugin } from "./filter_plugin.ts";
export { loadLuaPlugin, type LuaPluginOptions } from "./lua/plugin.ts";
export { type Metric, MetricStore, processMetrics } from "./state/metrics.ts";
export { prometheusName, renderPrometheus } from "./state/prometheus.ts";
export { processSharedData, SharedData } from "./state/shared_data.ts";
export { processSharedQueues, SharedQueues } from "./state/shared_queue.ts";
