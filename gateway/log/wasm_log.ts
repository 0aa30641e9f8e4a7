/**
 * WasmPlugin filter logs through the `wasm` logger: Proxy-Wasm's levels are Envoy's (trace 0 to critical 5),
 * and the line reads as Envoy's `wasm log <plugin> <root id> <vm id>: <message>`.
 * @module
 */
import type { WasmLogEntry, WasmLogger } from "../../wasm/mod.ts";
import type { Logger } from "./logger.ts";

/** A WasmLogger writing to `logger` at the message's own level. */
export function wasmLogger(logger: Logger): WasmLogger {
  return (entry: WasmLogEntry) => {
    const level = entry.level;
    if (!logger.enabled(level)) return;
    const who = [entry.plugin, entry.rootId, entry.vmId].filter((s) => s !== "").join(" ");
    logger.log(level, `wasm log ${who}: ${entry.message}`);
  };
}
