// Logging through the host (`proxy_log`): the gateway prints it under its `wasm` logger with the plugin's
// name, and drops messages below the plugin's log level.
import { proxy_get_log_level, proxy_log } from "./imports";
import { ptr, RET_EXTRA, utf8 } from "./memory";
import { LogLevel } from "./status";

/** Writes `message` at `level`. */
export function logAt(level: LogLevel, message: string): void {
  const b = utf8(message);
  proxy_log(<i32>level, ptr(b), b.byteLength);
}

/** The lowest level the host keeps (messages below it are dropped): skip building costly messages. */
export function logLevel(): LogLevel {
  if (proxy_get_log_level(RET_EXTRA) != 0) return LogLevel.Info;
  return <LogLevel>load<u32>(RET_EXTRA);
}

/** Log functions by level: `log.info("...")`. */
export namespace log {
  export function trace(message: string): void {
    logAt(LogLevel.Trace, message);
  }
  export function debug(message: string): void {
    logAt(LogLevel.Debug, message);
  }
  export function info(message: string): void {
    logAt(LogLevel.Info, message);
  }
  export function warn(message: string): void {
    logAt(LogLevel.Warn, message);
  }
  export function error(message: string): void {
    logAt(LogLevel.Error, message);
  }
  export function critical(message: string): void {
    logAt(LogLevel.Critical, message);
  }
}
