/**
 * The stream of a plugin that is not there (its module failed to load, or is still loading past the wait):
 * no VM, only the plugin's `failStrategy`. Apart from `plugin.ts` so that the gateway's filter chain can use it
 * without loading the VM code before any plugin exists.
 * @module
 */
import type { StreamInfo } from "../properties/stream_info.ts";
import { type PluginOptions, resolveOptions } from "./options.ts";
import { FilterStream, type HttpFilterStream } from "./stream.ts";

/** A stream for a plugin that could not be loaded: it replies 503 (FAIL_CLOSE) or lets traffic through. */
export function createFailedStream(
  options: Pick<PluginOptions, "name" | "failStrategy">,
  info: StreamInfo = {},
): HttpFilterStream {
  return new FilterStream(undefined, resolveOptions(options), info);
}
