/**
 * The gateway's loggers, one per component, named as Envoy's where the component maps onto one of Envoy's, so
 * that `/logging?router=debug` means the same here as at an Istio gateway.
 * @module
 */
import { type LogLevel, type LogLevelName, logLevelName } from "./levels.ts";
import { Logger, type LogSink } from "./logger.ts";

/** The loggers and what each one writes. */
const GATEWAY_LOGGERS = {
  admin: "admin server: addresses, log level changes",
  config: "config loads, rejections, warnings; listeners opening and closing",
  connection: "per request (debug): downstream connections closed before the response ended",
  http: "per request (error): requests the server could not handle",
  lua: "Lua TrafficExtension logs (`script log:` lines, script errors, Lua VM failures)",
  main: "start and stop",
  router: "per request (debug): route, cluster, status and duration",
  upstream: "per request (debug): upstream failures (connect failure, reset, timeout, overflow)",
  wasm: "WasmPlugin filter logs (proxy_log, WASI stdout/stderr)",
} as const;

/** A logger name. */
export type LoggerName = keyof typeof GATEWAY_LOGGERS;

/** A logger's name and level, as `/logging` lists them. */
export interface LoggerLevel {
  readonly name: LoggerName;
  readonly level: LogLevelName;
}

/** Every logger of one gateway, sharing one sink. */
export class LoggerRegistry {
  readonly #loggers: ReadonlyMap<string, Logger>;

  /** Creates every logger at `level`, writing to `sink`. */
  constructor(level: LogLevel, sink: LogSink) {
    const names = Object.keys(GATEWAY_LOGGERS).sort() as LoggerName[];
    this.#loggers = new Map(names.map((name) => [name, new Logger(name, level, sink)]));
  }

  /** The logger of a component. */
  get(name: LoggerName): Logger {
    return this.#loggers.get(name)!;
  }

  /** True when `name` is one of the loggers. */
  has(name: string): name is LoggerName {
    return this.#loggers.has(name);
  }

  /** Every logger with its level, by name. */
  list(): LoggerLevel[] {
    return [...this.#loggers.values()].map((l) => ({
      name: l.name as LoggerName,
      level: logLevelName(l.level),
    }));
  }

  /** Sets every logger to `level`. */
  setAll(level: LogLevel): void {
    for (const logger of this.#loggers.values()) logger.level = level;
    this.get("admin").info(`all log levels set to '${logLevelName(level)}'`);
  }

  /**
   * Sets the level of each named logger. All or nothing: with an unknown name nothing changes and the unknown
   * names are returned.
   */
  setLevels(changes: ReadonlyMap<string, LogLevel>): string[] {
    const unknown = [...changes.keys()].filter((name) => !this.has(name));
    if (unknown.length > 0) return unknown;
    for (const [name, level] of changes) {
      this.#loggers.get(name)!.level = level;
      this.get("admin").info(`log level of '${name}' set to '${logLevelName(level)}'`);
    }
    return [];
  }
}
