import assert from "node:assert/strict";
import { LogLevel } from "../../gateway/log/levels.ts";
import { LoggerRegistry } from "../../gateway/log/registry.ts";
import { handleLogging } from "../../gateway/server/admin_logging.ts";
import { serveConfig, simpleConfig } from "../helpers/gateway.ts";
import { fetchText, freePort, startUpstream } from "../helpers/net.ts";

function post(loggers: LoggerRegistry, query: string) {
  return handleLogging(loggers, "POST", new URLSearchParams(query));
}

const levels = (loggers: LoggerRegistry) => Object.fromEntries(loggers.list().map((l) => [l.name, l.level]));

Deno.test("/logging: lists every logger as `active loggers:` lines", () => {
  const loggers = new LoggerRegistry(LogLevel.info, () => {});
  const reply = handleLogging(loggers, "GET", new URLSearchParams());
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^active loggers:\n {2}admin: info\n {2}config: info\n/);
  assert.ok(reply.body.includes("  router: info\n  upstream: info\n  wasm: info\n\n"));
  assert.deepEqual(post(loggers, ""), reply, "POST without parameters lists too");
});

Deno.test("/logging: ?level sets all, ?<name> one, ?paths several", () => {
  const loggers = new LoggerRegistry(LogLevel.info, () => {});
  assert.equal(post(loggers, "level=warning").status, 200);
  assert.ok(Object.values(levels(loggers)).every((l) => l === "warning"));
  const one = post(loggers, "router=trace");
  assert.equal(one.status, 200);
  assert.ok(one.body.includes("  router: trace\n"));
  assert.equal(levels(loggers).upstream, "warning");
  assert.equal(post(loggers, "paths=upstream:debug, wasm:off").status, 200);
  assert.deepEqual([levels(loggers).upstream, levels(loggers).wasm], ["debug", "off"]);
});

Deno.test("/logging: bad requests answer 400 with the reason and change nothing", () => {
  const loggers = new LoggerRegistry(LogLevel.info, () => {});
  const cases: [string, string][] = [
    ["level=verbose", "unknown logger level"],
    ["router=warn", "unknown logger level"],
    ["pool=debug", "unknown logger name"],
    ["router=debug&upstream=debug", "invalid number of parameters"],
    ["paths=router:debug,:trace", "empty logger name or empty logger level"],
    ["paths=router:debug,pool:trace", "unknown logger name"],
  ];
  for (const [query, error] of cases) {
    const reply = post(loggers, query);
    assert.equal(reply.status, 400, query);
    assert.ok(
      reply.body.startsWith(`error: ${error}\n\nusage: /logging?<name>=<level>`),
      `${query}: ${reply.body}`,
    );
    assert.ok(reply.body.includes("levels: trace debug info warning error critical off"), query);
    assert.ok(reply.body.includes("active loggers:\n"), query);
  }
  assert.ok(Object.values(levels(loggers)).every((l) => l === "info"));
});

Deno.test("/logging: a GET with parameters changes nothing (405, POST required)", () => {
  const loggers = new LoggerRegistry(LogLevel.info, () => {});
  const reply = handleLogging(loggers, "GET", new URLSearchParams("level=debug"));
  assert.deepEqual(reply, { status: 405, body: "Method GET not allowed, POST required.\n" });
  assert.equal(levels(loggers).router, "info");
});

Deno.test("admin /logging: router debug lines start and stop at run time", async () => {
  const upstream = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(simpleConfig(port, upstream.port));
  try {
    const routerLines = () => gw.logs.filter((l) => l.includes("[debug][router]"));
    assert.equal((await fetchText(`http://127.0.0.1:${port}/before`)).status, 200);
    assert.deepEqual(routerLines(), [], "router is at info by default");

    const set = await fetchText(`${gw.adminUrl}/logging?router=debug`, { method: "POST" });
    assert.equal(set.status, 200);
    assert.ok(set.body.includes("  router: debug\n"), set.body);
    assert.ok(gw.logs.some((l) => l.endsWith("[info][admin] log level of 'router' set to 'debug'")));
    assert.equal((await fetchText(`http://127.0.0.1:${port}/during`)).status, 200);
    // The record is written when the response body ends, just after the client has it.
    for (let i = 0; i < 50 && routerLines().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(routerLines().length, 1);
    assert.match(
      routerLines()[0],
      /GET 127\.0\.0\.1:\d+\/during: listener \d+, unnamed route, cluster 'outbound\|80\|\|app.default.svc.cluster.local': 200 - \d+ms$/,
    );

    const listed = await fetchText(`${gw.adminUrl}/logging`);
    assert.ok(listed.body.includes("  router: debug\n"));
    assert.equal((await fetchText(`${gw.adminUrl}/logging?level=info`, { method: "POST" })).status, 200);
    assert.equal((await fetchText(`http://127.0.0.1:${port}/after`)).status, 200);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(routerLines().length, 1, "no line after the level went back to info");
  } finally {
    await gw.close();
    await upstream.close();
  }
});
