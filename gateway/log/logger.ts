/**
 * A named logger with a level that can change at run time (Envoy's per-component loggers): messages below
 * the level are dropped before they are formatted.
 * @module
 */
import { LogLevel, logLevelName } from "./levels.ts";

/** Where formatted lines go. */
export type LogSink = (line: string, level: LogLevel) => void;

/** `[2006-01-02 15:04:05.000][level][name] message`, as Envoy's default format without the thread id. */
export function formatLogLine(time: Date, level: LogLevel, name: string, message: string): string {
  const stamp = time.toISOString().replace("T", " ").slice(0, 23);
  return `[${stamp}][${logLevelName(level)}][${name}] ${message}`;
}

/** What a component needs to write its messages; a {@link Logger} is one. */
export interface ComponentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One component's logger. */
export class Logger implements ComponentLog {
  /** The component (`config`, `router`, ...). */
  readonly name: string;
  /** The current level: messages of lower severity are dropped. */
  level: LogLevel;
  readonly #sink: LogSink;

  constructor(name: string, level: LogLevel, sink: LogSink) {
    this.name = name;
    this.level = level;
    this.#sink = sink;
  }

  /** True when a message of `level` would be written: check it before building a costly message. */
  enabled(level: LogLevel): boolean {
    return level >= this.level && level < LogLevel.off;
  }

  /** Writes `message` at `level` when enabled. */
  log(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.#sink(formatLogLine(new Date(), level, this.name, message), level);
  }

  /** Logs at `trace`. */
  trace(message: string): void {
    this.log(LogLevel.trace, message);
  }

  /** Logs at `debug`. */
  debug(message: string): void {
    this.log(LogLevel.debug, message);
  }

  /** Logs at `info`. */
  info(message: string): void {
    this.log(LogLevel.info, message);
  }

  /** Logs at `warning`. */
  warn(message: string): void {
    this.log(LogLevel.warning, message);
  }

  /** Logs at `error`. */
  error(message: string): void {
    this.log(LogLevel.error, message);
  }

  /** Logs at `critical`. */
  critical(message: string): void {
    this.log(LogLevel.critical, message);
  }
}
