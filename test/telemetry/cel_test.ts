import assert from "node:assert/strict";
import {
  type CelExpression,
  compileCel,
  nodeAttribute,
  printValue,
  RecordActivation,
} from "../../gateway/telemetry/cel/mod.ts";
import { CelDuration, CelError, type CelResult } from "../../gateway/telemetry/cel/values.ts";
import type { RequestRecord } from "../../gateway/telemetry/request_record.ts";
import { INGRESS, noRoute, productpage, reviewsConnectFailure } from "./_records.ts";

function compiled(text: string): CelExpression {
  const c = compileCel(text);
  if ("error" in c) throw new Error(`${text}: ${c.error}`);
  return c;
}

function evaluate(text: string, rec: RequestRecord = productpage()): CelResult {
  return compiled(text).evaluate(new RecordActivation(rec, nodeAttribute(INGRESS)));
}

Deno.test("CEL: Istio's documented access-log filters", () => {
  const exception = "response.code >= 400 || xds.cluster_name == 'BlackHoleCluster' ||  " +
    "xds.cluster_name == 'PassthroughCluster' ";
  assert.equal(evaluate("response.code >= 500"), false);
  assert.equal(evaluate("response.code >= 500", reviewsConnectFailure()), true);
  assert.equal(evaluate(exception), false);
  assert.equal(evaluate(exception, noRoute()), true);
  assert.equal(
    evaluate(exception, productpage({ upstreamCluster: "BlackHoleCluster", responseCode: 200 })),
    true,
  );
});

Deno.test("CEL: request attributes", () => {
  assert.equal(evaluate("request.host"), "bookinfo.example.com");
  assert.equal(evaluate("request.path"), "/productpage?u=normal");
  assert.equal(evaluate("request.url_path"), "/productpage");
  assert.equal(evaluate("request.query"), "u=normal");
  assert.equal(evaluate("request.method == 'GET' && request.scheme == 'http'"), true);
  assert.equal(evaluate("request.headers['user-agent']"), "curl/7.73.0-DEV");
  assert.equal(evaluate("request.headers['User-Agent'].startsWith('curl/')"), true);
  assert.equal(evaluate("request.headers[':authority']"), "bookinfo.example.com");
  assert.equal(evaluate("request.useragent.contains('7.73')"), true);
  assert.equal(evaluate("request.id"), "84961386-6d84-929d-98bd-c5aee93b5c88");
  assert.equal(evaluate("request.protocol"), "HTTP/1.1");
  assert.equal(evaluate("request.size"), 0n);
  assert.equal(evaluate("request.duration > duration('4ms') && request.duration < duration('1s')"), true);
  assert.equal(evaluate("'x-missing' in request.headers"), false);
  assert.equal(evaluate("has(request.headers.referer)"), false);
});

Deno.test("CEL: response, upstream, connection and xds attributes", () => {
  const failed = reviewsConnectFailure();
  assert.equal(evaluate("response.code", failed), 503n);
  assert.equal(
    evaluate("response.code_details", failed),
    "upstream_reset_before_response_started{connection_failure}",
  );
  // UF is bit 5 and URX bit 15 of Envoy's response flags.
  assert.equal(evaluate("response.flags", failed), 32n + 32768n);
  assert.equal(evaluate("response.flags == 0u"), true);
  assert.equal(evaluate("upstream.address", failed), "10.44.1.31:9080");
  assert.equal(evaluate("upstream.port", failed), 9080n);
  assert.equal(evaluate("upstream.transport_failure_reason", failed), "delayed connect error: 111");
  assert.equal(evaluate("source.address"), "10.44.1.23:46520");
  assert.equal(evaluate("source.port"), 46520n);
  assert.equal(evaluate("destination.port"), 8080n);
  assert.equal(evaluate("connection.mtls"), false);
  assert.equal(evaluate("xds.cluster_name"), "outbound|9080||productpage.bookinfo.svc.cluster.local");
  assert.equal(evaluate("xds.route_name"), "productpage");
  assert.equal(evaluate("node.metadata['WORKLOAD_NAME']"), "istio-ingressgateway");
  assert.equal(evaluate("node.metadata.LABELS['istio']"), "ingressgateway");
});

Deno.test("CEL: missing attributes are errors that && and || absorb", () => {
  // No response was sent: response.code does not exist, as in Envoy.
  const reset = productpage({ responseCode: 0, responseFlags: "DC" });
  assert.ok(evaluate("response.code >= 400", reset) instanceof CelError);
  assert.equal(evaluate("response.code >= 400 || request.method == 'GET'", reset), true);
  assert.equal(evaluate("response.code >= 400 && request.method == 'POST'", reset), false);
  assert.ok(evaluate("upstream_peer.workload_name") instanceof CelError);
  assert.ok(evaluate("request.headers['x-nope']") instanceof CelError);
  assert.ok(evaluate("xds.cluster_name", noRoute()) instanceof CelError);
});

Deno.test("CEL: operators, literals and functions", () => {
  assert.equal(evaluate("1 + 2 * 3 == 7"), true);
  assert.equal(evaluate("7 / 2"), 3n);
  assert.equal(evaluate("7.0 / 2.0"), 3.5);
  assert.equal(evaluate("-7 % 3"), -1n);
  assert.equal(evaluate("2u == 2"), true);
  assert.equal(evaluate("0x1F"), 31n);
  assert.equal(evaluate("1.5e3"), 1500);
  assert.equal(evaluate("'a' + \"b\" + '''c'''"), "abc");
  assert.equal(evaluate("r'\\d+'"), "\\d+");
  assert.equal(evaluate("'\\x41\\u00e9\\n'"), "Aé\n");
  assert.equal(evaluate("size('héllo') == 5 && 'héllo'.size() == 5"), true);
  assert.equal(evaluate("[1, 2, 3][1]"), 2n);
  assert.equal(evaluate("2 in [1, 2, 3] && !(4 in [1, 2, 3])"), true);
  assert.equal(evaluate("{'a': 1}['a']"), 1n);
  assert.equal(evaluate("request.method == 'GET' ? 'read' : 'write'"), "read");
  assert.equal(evaluate("request.url_path.matches('^/product')"), true);
  assert.equal(evaluate("matches(request.url_path, 'page$')"), true);
  assert.equal(evaluate("request.path.endsWith('normal')"), true);
  assert.equal(evaluate("int('42') + 1"), 43n);
  assert.equal(evaluate("double(1) / 4.0"), 0.25);
  assert.equal(evaluate("string(404) + '!'"), "404!");
  assert.equal(evaluate("bool('true')"), true);
  assert.equal(evaluate("timestamp('2020-11-25T21:26:18Z') < request.time"), true);
  assert.ok(evaluate("1 / 0") instanceof CelError);
  assert.ok(evaluate("'a' < 1") instanceof CelError);
});

Deno.test("CEL: compile errors are reported, not thrown", () => {
  for (
    const bad of [
      "",
      "response.code >=",
      "(1 + 2",
      "'open",
      "foo(1)",
      "request.headers.exists(h, true)",
      "x.matches('(')",
    ]
  ) {
    const c = compileCel(bad);
    assert.ok("error" in c, `${bad} should not compile`);
  }
});

Deno.test("CEL: values print as Envoy prints tag values", () => {
  assert.equal(printValue("x"), "x");
  assert.equal(printValue(404n), "404");
  assert.equal(printValue(true), "true");
  assert.equal(printValue(0.25), "0.25");
  assert.equal(printValue(1234567.0), "1.23457e+06");
  assert.equal(printValue(new CelDuration(1500)), "1.5s");
  assert.equal(printValue(new CelDuration(90_000)), "1m30s");
  assert.equal(printValue(new CelDuration(250)), "250ms");
  assert.equal(printValue([]), "list value");
});
