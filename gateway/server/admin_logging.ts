/**
 * The admin `/logging` endpoint as Envoy's admin has it: list the loggers and their levels, change all of
 * them (`?level=debug`), one (`?router=debug`) or several (`?paths=router:debug,upstream:trace`). Changes
 * apply at once, to every later message. As Envoy, changing needs POST; a GET without parameters lists.
 * @module
 */
import type { Hono } from "hono";
import { LOG_LEVEL_NAMES, type LogLevel, parseLogLevel } from "../log/levels.ts";
import type { LoggerRegistry } from "../log/registry.ts";

/** A `/logging` answer. */
export interface LoggingReply {
  readonly status: 200 | 400 | 405;
  readonly body: string;
}

/** `active loggers:` then `  name: level` lines (the listing `istioctl proxy-config log` reads). */
function listLoggers(loggers: LoggerRegistry): string {
  return "active loggers:\n" + loggers.list().map((l) => `  ${l.name}: ${l.level}\n`).join("") + "\n";
}

const USAGE = [
  "usage: /logging?<name>=<level> (set one logger)",
  "usage: /logging?paths=name1:level1,name2:level2,... (set several loggers)",
  "usage: /logging?level=<level> (set every logger)",
  `levels: ${LOG_LEVEL_NAMES.join(" ")} `,
].join("\n") + "\n";

/** Applies the query of a `/logging` request; returns an error message, or undefined when applied. */
function applyLevels(loggers: LoggerRegistry, params: URLSearchParams): string | undefined {
  const keys = [...new Set(params.keys())];
  if (keys.length !== 1) return "invalid number of parameters";
  const key = keys[0];
  const value = params.get(key)!;
  if (key === "level") {
    const level = parseLogLevel(value);
    if (level === undefined) return "unknown logger level";
    loggers.setAll(level);
    return undefined;
  }
  const changes = new Map<string, LogLevel>();
  const pairs = key === "paths"
    ? value.split(",").filter((p) => p.trim() !== "").map((p) => {
      const at = p.indexOf(":");
      return at < 0 ? [p.trim(), ""] : [p.slice(0, at).trim(), p.slice(at + 1).trim()];
    })
    : [[key, value]];
  for (const [name, levelName] of pairs) {
    if (key === "paths" && (name === "" || levelName === "")) {
      return "empty logger name or empty logger level";
    }
    const level = parseLogLevel(levelName);
    if (level === undefined) return "unknown logger level";
    changes.set(name, level);
  }
  return loggers.setLevels(changes).length > 0 ? "unknown logger name" : undefined;
}

/** The reply to a `/logging` request. */
export function handleLogging(
  loggers: LoggerRegistry,
  method: string,
  params: URLSearchParams,
): LoggingReply {
  if (params.size > 0 && method !== "POST") {
    return { status: 405, body: `Method ${method} not allowed, POST required.\n` };
  }
  const error = params.size > 0 ? applyLevels(loggers, params) : undefined;
  if (error !== undefined) return { status: 400, body: `error: ${error}\n\n${USAGE}${listLoggers(loggers)}` };
  return { status: 200, body: listLoggers(loggers) };
}

/** Adds `GET`/`POST /logging` to the admin app. */
export function mountLogging(app: Hono, loggers: LoggerRegistry): void {
  app.on(["GET", "POST"], "/logging", (c) => {
    const reply = handleLogging(loggers, c.req.method, new URL(c.req.url).searchParams);
    return c.text(reply.body, reply.status);
  });
}
