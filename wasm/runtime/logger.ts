/**
 * Where filter logs go: `proxy_log`, and WASI stdout/stderr. The default writes Envoy's `wasm log` line.
 * @module
 */
import { LOG_LEVEL_NAMES, type LogLevel } from "../abi/enums.ts";

/** One log message from a plugin. */
export interface WasmLogEntry {
  /** 0 trace to 5 critical. */
  readonly level: LogLevel;
  /** The plugin's name. */
  readonly plugin: string;
  /** The plugin's root id. */
  readonly rootId: string;
  /** The plugin's VM id. */
  readonly vmId: string;
  /** The message. */
  readonly message: string;
}

/** Receives the messages at or above the plugin's log level. */
export type WasmLogger = (entry: WasmLogEntry) => void;

/** `[level] wasm log <plugin> <root id> <vm id>: <message>` (empty ids left out), as Envoy prints it. */
export function formatLogEntry(entry: WasmLogEntry): string {
  const who = [entry.plugin, entry.rootId, entry.vmId].filter((s) => s !== "").join(" ");
  return `[${LOG_LEVEL_NAMES[entry.level]}] wasm log ${who}: ${entry.message}`;
}

/** A logger writing {@linkcode formatLogEntry} lines to `write` (default: console.error). */
export function lineLogger(write: (line: string) => void = (line) => console.error(line)): WasmLogger {
  return (entry) => write(formatLogEntry(entry));
}
