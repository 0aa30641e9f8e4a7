/**
 * Log levels as Envoy (spdlog) names them, from `trace` (most verbose) to `off`.
 * @module
 */

/** The level names, least severe first; a level's index is its severity. */
export const LOG_LEVEL_NAMES = ["trace", "debug", "info", "warning", "error", "critical", "off"] as const;

/** A level name. */
export type LogLevelName = typeof LOG_LEVEL_NAMES[number];

/** Severities by name, for comparisons (`level >= LogLevel.info`). */
export const LogLevel = {
  trace: 0,
  debug: 1,
  info: 2,
  warning: 3,
  error: 4,
  critical: 5,
  off: 6,
} as const satisfies Record<LogLevelName, number>;

/** A severity, 0 (trace) to 6 (off). */
export type LogLevel = typeof LogLevel[LogLevelName];

/** The level named `name` (exactly as Envoy spells it), or undefined. */
export function parseLogLevel(name: string): LogLevel | undefined {
  const index = (LOG_LEVEL_NAMES as readonly string[]).indexOf(name);
  return index < 0 ? undefined : index as LogLevel;
}

/** The name of `level`. */
export function logLevelName(level: LogLevel): LogLevelName {
  return LOG_LEVEL_NAMES[level];
}
