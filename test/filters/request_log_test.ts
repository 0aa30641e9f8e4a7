import assert from "node:assert/strict";
import {
  FilterHost,
  type FilterHostOptions,
  FilterLoadError,
  LogLevel,
  type TestStream,
} from "../../filters/testing/mod.ts";

const REQUEST_LOG = new URL("../../filters/request-log/", import.meta.url);
const START_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function load(config: Record<string, unknown>, options: FilterHostOptions = {}): Promise<FilterHost> {
  return FilterHost.load(REQUEST_LOG, {
    name: "istio-system.request-log",
    config,
    startMs: START_MS,
    ...options,
  });
}

/** A request through `host`, answered with `status` after `ms` on the clock, then on_log. */
function send(
  host: FilterHost,
  options: {
    headers?: Record<string, string>;
    body?: string;
    status?: number;
    responseHeaders?: Record<string, string>;
    responseBody?: string[];
    ms?: number;
    edit?: (s: TestStream) => void;
  } = {},
): void {
  const s = host.stream({
    source: "10.1.2.3:41000",
    routeName: "api",
    clusterName: "outbound|80||app.default",
  });
  s.sendRequestHeaders({ ":path": "/api/items?x=1", ":method": "POST", ...options.headers }, {
    endOfStream: options.body === undefined,
  });
  if (options.body !== undefined) s.sendRequestBody(options.body, true);
  const chunks = options.responseBody ?? [];
  s.sendResponseHeaders(options.status ?? 200, options.responseHeaders ?? {}, {
    endOfStream: chunks.length === 0,
  });
  chunks.forEach((c, i) => s.sendResponseBody(c, i === chunks.length - 1));
  host.clock.advance(options.ms ?? 0);
  options.edit?.(s);
  s.complete();
}

/** The lines logged at info or above, as the filter wrote them. */
const lines = (host: FilterHost) => host.messages(LogLevel.Info);

Deno.test("request-log: by default one JSON line per request with Istio's access-log keys, in Istio's order", async () => {
  await using host = await load({});
  send(host, {
    headers: { "user-agent": "curl/8", "x-request-id": "rid-1", ":authority": "shop.example.com" },
    body: "12345",
    responseHeaders: { "x-envoy-upstream-service-time": "12" },
    responseBody: ["hello ", "world"],
    ms: 42,
    edit: (s) => {
      s.info.response!.flags = 1 << 5;
      s.info.response!.codeDetails = "via_upstream";
      s.info.upstream = { address: "10.9.9.9", port: 8080 };
    },
  });
  assert.equal(lines(host).length, 1);
  const line = JSON.parse(lines(host)[0]);
  assert.deepEqual(line, {
    start_time: "2026-01-02T03:04:05.678Z",
    route_name: "api",
    method: "POST",
    path: "/api/items?x=1",
    protocol: "HTTP/1.1",
    response_code: 200,
    response_flags: "UF",
    response_code_details: "via_upstream",
    connection_termination_details: null,
    bytes_received: 5,
    bytes_sent: 11,
    duration: 42,
    upstream_service_time: "12",
    x_forwarded_for: null,
    user_agent: "curl/8",
    request_id: "rid-1",
    authority: "shop.example.com",
    upstream_host: "10.9.9.9:8080",
    upstream_cluster: "outbound|80||app.default",
    upstream_local_address: null,
    downstream_local_address: "127.0.0.1:8080",
    downstream_remote_address: "10.1.2.3:41000",
    requested_server_name: null,
    upstream_transport_failure_reason: null,
  });
  assert.equal(host.logs[0].level, LogLevel.Info);
});

Deno.test("request-log: chosen fields, header and property expressions, escaping, and the text format", async () => {
  const fields = [
    "method",
    "path",
    "response_code",
    { tenant: "request.headers['x-tenant']" },
    { type: "response.headers['content-type']" },
    { port: "source.port" },
    { env: "'prod'" },
    { note: "request.headers['x-note']" },
  ];
  await using json = await load({ fields });
  await using text = await load({ fields, format: "text" });
  const request = {
    headers: { "x-tenant": "acme", "x-note": 'say "hi"\tnow\\', "x-envoy-original-path": "/before/rewrite" },
    responseHeaders: { "content-type": "text/plain; charset=utf-8" },
  };
  send(json, request);
  send(text, request);
  assert.equal(
    lines(json)[0],
    '{"method":"POST","path":"/before/rewrite","response_code":200,"tenant":"acme",' +
      '"type":"text/plain; charset=utf-8","port":"41000","env":"prod","note":"say \\"hi\\"\\tnow\\\\"}',
  );
  assert.equal(JSON.parse(lines(json)[0]).note, 'say "hi"\tnow\\');
  assert.equal(
    lines(text)[0],
    'method=POST path=/before/rewrite response_code=200 tenant=acme type="text/plain; charset=utf-8" ' +
      'port=41000 env=prod note="say \\"hi\\"\\tnow\\\\"',
  );
  send(text, { status: 404 });
  assert.match(lines(text)[1], / tenant=- type=- /, "missing values print -");
});

Deno.test("request-log: minStatus keeps errors only; sampleRate logs that fraction at random", async () => {
  await using errors = await load({ minStatus: 400, fields: ["response_code"] });
  for (const status of [200, 302, 404, 503, 399]) send(errors, { status });
  assert.deepEqual(lines(errors), ['{"response_code":404}', '{"response_code":503}']);

  await using none = await load({ sampleRate: 0 });
  await using half = await load({ sampleRate: 0.5, fields: ["method"] });
  for (let i = 0; i < 400; i++) {
    send(none);
    send(half);
  }
  assert.equal(lines(none).length, 0);
  const logged = lines(half).length;
  assert.ok(logged > 140 && logged < 260, `about half of 400 logged, got ${logged}`);
});

Deno.test("request-log: lines go at the configured level; none when the logger is above it", async () => {
  await using warn = await load({ level: "warn", fields: ["method"] });
  send(warn);
  assert.equal(warn.logs.length, 1);
  assert.equal(warn.logs[0].level, LogLevel.Warn);
  await using quiet = await load({ level: "debug", fields: ["method"] }, { logLevel: LogLevel.Info });
  send(quiet);
  assert.equal(quiet.logs.length, 0);
});

Deno.test("request-log: a configuration it cannot use is refused with the reason", async () => {
  const refused = async (config: Record<string, unknown>, reason: RegExp) => {
    const err = await load(config).then(
      async (h) => {
        await h.dispose();
        return undefined;
      },
      (e) => e,
    );
    assert.ok(err instanceof FilterLoadError, `accepted: ${JSON.stringify(config)}`);
    assert.match(err.message, reason);
  };
  await refused({ fields: ["verb"] }, /fields\[0\]: "verb" is not a field/);
  await refused({ fields: [{ a: "x", b: "y" }] }, /fields\[0\] must be a field name or \{key: expression\}/);
  await refused(
    { fields: [{ a: "request.headers[x]" }] },
    /fields\[0\]\.a: .*write request\.headers\['name'\]/,
  );
  await refused({ fields: [] }, /fields must be a non-empty list/);
  await refused({ format: "xml" }, /format must be json or text/);
  await refused({ level: "loud" }, /level must be one of/);
  await refused({ sampleRate: 1.5 }, /sampleRate must be a number from 0 to 1/);
  await refused({ minStatus: 700 }, /minStatus must be a status from 0 to 599/);
});
