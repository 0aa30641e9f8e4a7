/**
 * Lua TrafficExtension logs through the `lua` logger. The script's own lines and its errors read as Envoy's
 * Lua filter writes them (`script log: <message>`); the host's lines about a plugin (its VM failing,
 * restarting, a handler missing) name the plugin first.
 * @module
 */
import type { WasmLogEntry, WasmLogger } from "../../wasm/mod.ts";
import type { Logger } from "./logger.ts";

const SCRIPT_LINE = "script log: ";

/** A WasmLogger writing Lua plugin messages to `logger` at their own level. */
export function luaLogger(logger: Logger): WasmLogger {
  return (entry: WasmLogEntry) => {
    const level = entry.level;
    if (!logger.enabled(level)) return;
    logger.log(
      level,
      entry.message.startsWith(SCRIPT_LINE) ? entry.message : `${entry.plugin}: ${entry.message}`,
    );
  };
}
