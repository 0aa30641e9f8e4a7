import assert from "node:assert/strict";
import { LogLevel, parseLogLevel } from "../../gateway/log/levels.ts";
import { formatLogLine, Logger } from "../../gateway/log/logger.ts";
import { LoggerRegistry } from "../../gateway/log/registry.ts";
import { RequestLog } from "../../gateway/log/request_log.ts";
import { wasmLogger } from "../../gateway/log/wasm_log.ts";
import { noRoute, productpage, reviewsConnectFailure } from "../telemetry/_records.ts";

/** A registry at `level` whose lines are collected, without their time stamps. */
function collected(level: LogLevel = LogLevel.info): { loggers: LoggerRegistry; lines: string[] } {
  const lines: string[] = [];
  const loggers = new LoggerRegistry(level, (line) => lines.push(line.replace(/^\[[^\]]+\]/, "")));
  return { loggers, lines };
}

Deno.test("log levels: Envoy's names only, in severity order", () => {
  assert.equal(parseLogLevel("trace"), 0);
  assert.equal(parseLogLevel("warning"), LogLevel.warning);
  assert.equal(parseLogLevel("off"), 6);
  assert.equal(parseLogLevel("warn"), undefined);
  assert.equal(parseLogLevel("DEBUG"), undefined);
  assert.equal(parseLogLevel(""), undefined);
});

Deno.test("logger: drops messages below its level, and everything when off", () => {
  const lines: string[] = [];
  const logger = new Logger("config", LogLevel.warning, (line) => lines.push(line));
  logger.info("dropped");
  logger.warn("kept");
  logger.critical("kept too");
  logger.level = LogLevel.off;
  logger.critical("dropped when off");
  logger.level = LogLevel.trace;
  logger.trace("kept at trace");
  assert.deepEqual(lines.map((l) => l.slice(25)), [
    "[warning][config] kept",
    "[critical][config] kept too",
    "[trace][config] kept at trace",
  ]);
  assert.equal(logger.enabled(LogLevel.off), false, "off is not a message level");
});

Deno.test("logger: lines read as Envoy's, UTC time to the millisecond", () => {
  assert.equal(
    formatLogLine(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 67)), LogLevel.info, "router", "hello"),
    "[2024-01-02 03:04:05.067][info][router] hello",
  );
});

Deno.test("registry: every logger listed by name; all or one changed at run time", () => {
  const { loggers, lines } = collected();
  assert.deepEqual(loggers.list().map((l) => l.name), [
    "admin",
    "config",
    "connection",
    "http",
    "lua",
    "main",
    "router",
    "upstream",
    "wasm",
  ]);
  assert.ok(loggers.list().every((l) => l.level === "info"));
  loggers.setAll(LogLevel.debug);
  assert.ok(loggers.list().every((l) => l.level === "debug"));
  assert.deepEqual(loggers.setLevels(new Map([["router", LogLevel.trace], ["wasm", LogLevel.error]])), []);
  assert.equal(loggers.get("router").level, LogLevel.trace);
  assert.equal(loggers.get("wasm").level, LogLevel.error);
  assert.deepEqual(lines, [
    "[info][admin] all log levels set to 'debug'",
    "[info][admin] log level of 'router' set to 'trace'",
    "[info][admin] log level of 'wasm' set to 'error'",
  ]);
});

Deno.test("registry: an unknown name changes nothing", () => {
  const { loggers } = collected();
  assert.deepEqual(loggers.setLevels(new Map([["router", LogLevel.debug], ["pool", LogLevel.debug]])), [
    "pool",
  ]);
  assert.equal(loggers.get("router").level, LogLevel.info);
});

Deno.test("request log: active only with router, upstream or connection at debug", () => {
  const { loggers } = collected();
  const log = new RequestLog(loggers);
  assert.equal(log.active, false);
  loggers.get("http").level = LogLevel.trace;
  assert.equal(log.active, false, "other loggers do not count");
  loggers.get("connection").level = LogLevel.debug;
  assert.equal(log.active, true);
});

Deno.test("request log: router lines per request, upstream lines for upstream failures", () => {
  const { loggers, lines } = collected(LogLevel.debug);
  const log = new RequestLog(loggers);
  log.record(productpage({ durationMs: 5 }));
  log.record(noRoute({ durationMs: 0 }));
  log.record(reviewsConnectFailure({ durationMs: 31 }));
  log.record(productpage({ responseFlags: "DC", responseCode: 0, durationMs: 2 }));
  assert.deepEqual(lines, [
    "[debug][router] GET bookinfo.example.com/productpage?u=normal: listener 8080, route 'productpage', " +
    "cluster 'outbound|9080||productpage.bookinfo.svc.cluster.local': 200 - 5ms",
    "[debug][router] GET bookinfo.example.com/nope: listener 8080, no route, no cluster: 404 NR 0ms",
    "[debug][router] GET bookinfo.example.com/reviews/0: listener 8080, route 'reviews', " +
    "cluster 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local': 503 UF,URX 31ms",
    "[debug][upstream] GET bookinfo.example.com/reviews/0: cluster " +
    "'outbound|9080|v2|reviews.bookinfo.svc.cluster.local' host 10.44.1.31:9080: UF,URX delayed connect error: 111",
    "[debug][router] GET bookinfo.example.com/productpage?u=normal: listener 8080, route 'productpage', " +
    "cluster 'outbound|9080||productpage.bookinfo.svc.cluster.local': 0 DC 2ms",
    "[debug][connection] GET bookinfo.example.com/productpage?u=normal: client 10.44.1.23:46520 ended the " +
    "stream early (DC)",
  ]);
});

Deno.test("wasm logger: filter messages at their own level through the wasm logger", () => {
  const { loggers, lines } = collected(LogLevel.warning);
  const write = wasmLogger(loggers.get("wasm"));
  const entry = { plugin: "authz", rootId: "root", vmId: "", message: "hello" };
  write({ ...entry, level: 2 });
  write({ ...entry, level: 4, message: "denied" });
  loggers.get("wasm").level = LogLevel.trace;
  write({ ...entry, level: 0, message: "details" });
  assert.deepEqual(lines, [
    "[error][wasm] wasm log authz root: denied",
    "[trace][wasm] wasm log authz root: details",
  ]);
});
