import assert from "node:assert/strict";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";
import { compileCustomTags, literalTags } from "../../../gateway/telemetry/tracing/custom_tags.ts";
import {
  type FinishedSpan,
  type TraceClock,
  Tracer,
  type TracingSettings,
} from "../../../gateway/telemetry/tracing/mod.ts";
import type { RequestRecord } from "../../../gateway/telemetry/request_record.ts";
import { nodeAttribute } from "../../../gateway/telemetry/cel/mod.ts";
import { INGRESS, productpage, reviewsConnectFailure } from "../_records.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
/** A v4 request id; its first 8 hex digits (0x64 = 100) are not sampled at 1%. */
const REQUEST_ID = "00000064-6d84-429d-98bd-c5aee93b5c88";
const ROUTE = { route: { operation: "bookinfo.example.com:8080/productpage*" } };

const SETTINGS: TracingSettings = {
  provider: "otel",
  providerType: "opentelemetry",
  propagation: "w3c",
  samplingPercent: 100,
  useRequestIdForTraceSampling: true,
  enableIstioTags: true,
  propagate: true,
  customTags: [],
  maxPathTagLength: 256,
  environmentResource: false,
};

/** A tracer on a clock that moves only when told, reporting into `spans`. */
function setup(over: Partial<TracingSettings> = {}) {
  const spans: FinishedSpan[] = [];
  let t = 1000;
  const clock: TraceClock = { origin: 1_700_000_000_000, now: () => t };
  const custom = compileCustomTags(
    over.customTags ?? [],
    { hostname: "gw-host", node: nodeAttribute(INGRESS) },
    (name) => (name === "ZONE" ? "eu-1" : undefined),
  );
  const tracer = new Tracer({
    settings: { ...SETTINGS, ...over },
    node: { nodeId: "router~istio-ingressgateway.istio-system", zone: "zone-a" },
    tags: [...literalTags([["istio.namespace", "istio-system"]]), ...custom],
    report: (s) => spans.push(s),
    clock,
  });
  return { tracer, spans, tick: (ms: number) => (t += ms) };
}

/** Upstream headers as the data path builds them for an edge request. */
function upstream(extra: Record<string, string> = {}): HeaderList {
  return HeaderList.from({
    host: "bookinfo.example.com",
    "x-forwarded-for": "10.44.1.23",
    "x-forwarded-proto": "https",
    "x-request-id": REQUEST_ID,
    ...extra,
  });
}

function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return productpage({ requestHeaders: new Headers({ "user-agent": "curl/8" }), ...over });
}

Deno.test("request trace: a sampled request gets a SERVER span and a CLIENT span per attempt", () => {
  const { tracer, spans, tick } = setup();
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "k=v" });
  trace.onUpstreamHeaders(headers);
  assert.equal(headers.get("x-request-id"), "00000064-6d84-929d-98bd-c5aee93b5c88", "decision packed in");
  const server = trace.context!;
  assert.equal(server.traceId, TRACE);
  assert.equal(server.parentSpanId, SPAN);
  assert.equal(headers.get("traceparent"), `00-${TRACE}-${server.spanId}-01`);
  tick(2);
  trace.startAttempt(headers, 1, "10.44.1.27", 9080);
  const attempt = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(headers.get("traceparent")!)![1];
  assert.notEqual(attempt, server.spanId);
  assert.equal(headers.get("tracestate"), "k=v");
  tick(3);
  trace.endAttempt({ kind: "response", status: 200 });
  tick(5);
  trace.finish(record());

  assert.deepEqual(spans.map((s) => [s.kind, s.name]), [
    ["client", "router outbound|9080||productpage.bookinfo.svc.cluster.local egress"],
    ["server", "bookinfo.example.com:8080/productpage*"],
  ]);
  const [client, root] = spans;
  assert.equal(client.spanId, attempt);
  assert.equal(client.parentSpanId, server.spanId);
  assert.equal(client.startMs, 1_700_000_001_002);
  assert.equal(client.endMs, 1_700_000_001_010, "the last attempt lasts until the response ends");
  assert.deepEqual(Object.fromEntries(client.tags), {
    "http.protocol": "HTTP/1.1",
    upstream_address: "10.44.1.27:9080",
    component: "proxy",
    upstream_cluster: "outbound|9080||productpage.bookinfo.svc.cluster.local",
    "upstream_cluster.name": "outbound|9080||productpage.bookinfo.svc.cluster.local",
    "http.status_code": "200",
    response_flags: "-",
    "istio.namespace": "istio-system",
  });
  assert.equal(root.startMs, 1_700_000_001_000);
  assert.equal(root.endMs, 1_700_000_001_010);
  assert.equal(root.traceState, "k=v");
  assert.deepEqual([...root.tags], [
    ["node_id", "router~istio-ingressgateway.istio-system"],
    ["zone", "zone-a"],
    ["guid:x-request-id", "00000064-6d84-929d-98bd-c5aee93b5c88"],
    ["http.url", "https://bookinfo.example.com/productpage?u=normal"],
    ["http.method", "GET"],
    ["downstream_cluster", "-"],
    ["user_agent", "curl/8"],
    ["http.protocol", "HTTP/1.1"],
    ["peer.address", "10.44.1.23"],
    ["request_size", "0"],
    ["response_size", "5293"],
    ["component", "proxy"],
    ["upstream_cluster", "outbound|9080||productpage.bookinfo.svc.cluster.local"],
    ["upstream_cluster.name", "outbound|9080||productpage.bookinfo.svc.cluster.local"],
    ["http.status_code", "200"],
    ["response_flags", "-"],
    ["istio.namespace", "istio-system"],
  ]);
});

Deno.test("request trace: retries give one CLIENT span each; failures carry flags and error", () => {
  const { tracer, spans, tick } = setup();
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream();
  trace.onUpstreamHeaders(headers);
  trace.startAttempt(headers, 1, "10.44.1.31", 9080);
  tick(1);
  trace.endAttempt({ kind: "reset", reason: "connect_failure" });
  trace.startAttempt(headers, 2, "::1", 9080);
  tick(1);
  trace.endAttempt({ kind: "reset", reason: "remote_reset" });
  trace.finish(reviewsConnectFailure({ requestHeaders: new Headers() }));
  const [first, second, root] = spans;
  assert.equal(first.tags.get("retry.count"), undefined);
  assert.equal(first.tags.get("response_flags"), "UF");
  assert.equal(first.tags.get("http.status_code"), "0");
  assert.equal(first.tags.get("error"), "true");
  assert.equal(first.endMs, 1_700_000_001_001);
  assert.equal(second.tags.get("retry.count"), "1");
  assert.equal(second.tags.get("upstream_address"), "[::1]:9080");
  assert.equal(second.tags.get("response_flags"), "UR");
  assert.equal(root.tags.get("response_flags"), "UF,URX");
  assert.equal(root.tags.get("error"), "true");
  assert.equal(root.tags.get("user_agent"), "-");
});

Deno.test("request trace: unsampled requests propagate 00 and report nothing", () => {
  const { tracer, spans } = setup({ samplingPercent: 1 });
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ traceparent: `00-${TRACE}-${SPAN}-01` });
  trace.onUpstreamHeaders(headers);
  assert.equal(headers.get("x-request-id"), REQUEST_ID, "an untraced id is not changed");
  trace.startAttempt(headers, 1, "10.44.1.27", 9080);
  assert.match(headers.get("traceparent")!, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
  trace.finish(record());
  assert.deepEqual(spans, []);
});

Deno.test("request trace: a malformed incoming context gives no span and leaves the headers alone", () => {
  const { tracer, spans } = setup();
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ traceparent: "00-xyz-01" });
  trace.onUpstreamHeaders(headers);
  trace.startAttempt(headers, 1, "10.44.1.27", 9080);
  assert.equal(headers.get("traceparent"), "00-xyz-01");
  assert.equal(headers.get("tracestate"), null);
  assert.equal(headers.get("x-request-id")![14], "9", "the decision is still packed");
  trace.finish(record());
  assert.deepEqual(spans, []);
});

Deno.test("request trace: x-client-trace-id forces a trace at 0%; mirrors get an unsampled child", () => {
  const { tracer, spans } = setup({ samplingPercent: 0 });
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ "x-client-trace-id": "abc" });
  trace.onUpstreamHeaders(headers);
  assert.equal(headers.get("x-request-id")![14], "b");
  const mirror = headers.clone();
  trace.injectMirror(mirror);
  const server = trace.context!;
  assert.match(mirror.get("traceparent")!, new RegExp(`^00-${server.traceId}-[0-9a-f]{16}-00$`));
  assert.notEqual(mirror.get("traceparent"), headers.get("traceparent"));
  trace.finish(record({ requestHeaders: new Headers({ "x-client-trace-id": "abc" }) }));
  assert.equal(spans.length, 1, "the request never went upstream: no attempt span");
  assert.equal(spans[0].tags.get("guid:x-client-trace-id"), "abc");
  assert.equal(spans[0].parentSpanId, undefined);
});

Deno.test("request trace: answered locally, the decision follows Envoy's edge rules", () => {
  const { tracer, spans } = setup({ samplingPercent: 0 });
  const forced = { "x-envoy-force-trace": "1", "x-request-id": REQUEST_ID };
  // An internal peer without X-Forwarded-For keeps its id and may force a trace.
  const internal = tracer.start("10.0.0.5", 1000, {});
  internal.finish(record({ authority: "a.example.com", requestHeaders: new Headers(forced) }));
  assert.equal(spans.length, 1);
  assert.equal(spans[0].name, "egress a.example.com", "no route: named after the host");
  assert.equal(spans[0].tags.get("guid:x-request-id"), "00000064-6d84-a29d-98bd-c5aee93b5c88");
  // From outside the header is stripped and the id regenerated: 0% stays 0%.
  tracer.start("203.0.113.9", 1000, {}).finish(record({ requestHeaders: new Headers(forced) }));
  tracer.start("10.0.0.5", 1000, {}).finish(
    record({ requestHeaders: new Headers({ ...forced, "x-forwarded-for": "203.0.113.9" }) }),
  );
  assert.equal(spans.length, 1);
});

Deno.test("request trace: without context propagation spans are reported but headers untouched", () => {
  const { tracer, spans } = setup({ propagate: false });
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ traceparent: `00-${TRACE}-${SPAN}-01` });
  trace.onUpstreamHeaders(headers);
  trace.startAttempt(headers, 1, "10.44.1.27", 9080);
  trace.injectMirror(headers);
  assert.equal(headers.get("traceparent"), `00-${TRACE}-${SPAN}-01`);
  trace.endAttempt({ kind: "response", status: 200 });
  trace.finish(record());
  assert.equal(spans.length, 2);
  assert.equal(spans[1].parentSpanId, SPAN);
});

Deno.test("request trace: custom tags (header with default, environment, formatter) and the URL length limit", () => {
  const { tracer, spans } = setup({
    maxPathTagLength: 5,
    customTags: [
      { name: "fwd", kind: "header", from: "x-forwarded-for", defaultValue: "none" },
      { name: "missing", kind: "header", from: "x-nothing", defaultValue: "" },
      { name: "region", kind: "environment", from: "ZONE", defaultValue: "?" },
      { name: "unset", kind: "environment", from: "UNSET", defaultValue: "fallback" },
      { name: "line", kind: "formatter", format: "%REQ(:METHOD)% %RESPONSE_CODE%" },
    ],
  });
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  trace.onUpstreamHeaders(upstream());
  trace.finish(record());
  const tags = spans[0].tags;
  assert.equal(tags.get("http.url"), "https://bookinfo.example.com/prod");
  assert.equal(tags.get("fwd"), "10.44.1.23", "header tags read the headers sent upstream");
  assert.equal(tags.has("missing"), false, "an empty value is not set");
  assert.equal(tags.get("region"), "eu-1");
  assert.equal(tags.get("unset"), "fallback");
  assert.equal(tags.get("line"), "GET 200");
});

Deno.test("request trace: Zipkin B3 keeps the caller's decision and sends x-b3 headers", () => {
  const { tracer, spans } = setup({ propagation: "b3", providerType: "zipkin", samplingPercent: 0 });
  const trace = tracer.start("10.44.1.23", 1000, ROUTE);
  const headers = upstream({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "1" });
  trace.onUpstreamHeaders(headers);
  trace.startAttempt(headers, 1, "10.44.1.27", 9080);
  assert.equal(headers.get("x-b3-traceid"), TRACE);
  assert.equal(headers.get("x-b3-parentspanid"), trace.context!.spanId);
  assert.equal(headers.get("x-b3-sampled"), "1");
  assert.equal(headers.get("x-request-id"), REQUEST_ID, "0% did not sample: the id keeps its 4");
  trace.endAttempt({ kind: "response", status: 200 });
  trace.finish(record());
  assert.equal(spans.length, 2);
});
