import assert from "node:assert/strict";
import { nodeAttribute } from "../../gateway/telemetry/cel/mod.ts";
import {
  compileLogFormat,
  ISTIO_DEFAULT_JSON_LABELS,
  ISTIO_DEFAULT_TEXT_FORMAT,
  type LogFormat,
  type RequestRecord,
} from "../../gateway/telemetry/mod.ts";
import { parseFormat } from "../../gateway/telemetry/access_log/format_parser.ts";
import { compileTimeFormat } from "../../gateway/telemetry/access_log/start_time.ts";
import { INGRESS, noRoute, productpage, reviewsConnectFailure } from "./_records.ts";

const CTX = { hostname: "gw-7d4f", node: nodeAttribute(INGRESS) };

function line(format: LogFormat, rec: RequestRecord, omitEmptyValues = false): string {
  return compileLogFormat(format, CTX, omitEmptyValues)(rec);
}

const text = (t: string, rec: RequestRecord = productpage(), omit = false) =>
  line({ type: "text", text: t }, rec, omit);
const DEFAULT_TEXT: LogFormat = { type: "text", text: ISTIO_DEFAULT_TEXT_FORMAT };
const DEFAULT_JSON: LogFormat = { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS };

Deno.test("access log: Istio's default text format is the one istiod configures", () => {
  assert.equal(
    ISTIO_DEFAULT_TEXT_FORMAT,
    `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% ` +
      `%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ` +
      `"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ` +
      `%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ` +
      `"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% ` +
      `%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
  );
});

Deno.test("access log: the istio.io example line, reproduced", () => {
  const rec = productpage({
    authority: "httpbin:8000",
    path: "/status/418",
    requestHeaders: new Headers({ "user-agent": "curl/7.73.0-DEV" }),
    responseCode: 418,
    responseBytes: 135,
    durationMs: 4,
    upstreamServiceTimeMs: 4,
    upstreamHost: "10.44.1.27:80",
    upstreamCluster: "outbound|8000||httpbin.foo.svc.cluster.local",
    upstreamLocalAddress: "10.44.1.23:37652",
    downstreamLocalAddress: "10.0.45.184:8000",
    downstreamRemoteAddress: "10.44.1.23:46520",
    routeName: "default",
  });
  assert.equal(
    line(DEFAULT_TEXT, rec),
    `[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" ` +
      `"curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" ` +
      `outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default\n`,
  );
});

Deno.test("access log: default text lines for a 503 UF,URX and a 404 NR", () => {
  assert.equal(
    line(DEFAULT_TEXT, reviewsConnectFailure()),
    `[2020-11-25T21:26:18.409Z] "GET /reviews/0 HTTP/1.1" 503 UF,URX ` +
      `upstream_reset_before_response_started{connection_failure} - "delayed connect error: 111" 0 91 31 - ` +
      `"10.44.1.23" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "bookinfo.example.com" ` +
      `"10.44.1.31:9080" outbound|9080|v2|reviews.bookinfo.svc.cluster.local - 10.0.45.184:8080 ` +
      `10.44.1.23:46520 - reviews\n`,
  );
  assert.equal(
    line(DEFAULT_TEXT, noRoute()),
    `[2020-11-25T21:26:18.409Z] "GET /nope HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "10.44.1.23" ` +
      `"curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "bookinfo.example.com" "-" - - ` +
      `10.0.45.184:8080 10.44.1.23:46520 - -\n`,
  );
});

Deno.test("access log: Istio's default JSON format", () => {
  assert.equal(
    line(DEFAULT_JSON, productpage()),
    `{"authority":"bookinfo.example.com","bytes_received":0,"bytes_sent":5293,` +
      `"connection_termination_details":null,"downstream_local_address":"10.0.45.184:8080",` +
      `"downstream_remote_address":"10.44.1.23:46520","duration":4,"method":"GET",` +
      `"path":"/productpage?u=normal","protocol":"HTTP/1.1",` +
      `"request_id":"84961386-6d84-929d-98bd-c5aee93b5c88","requested_server_name":null,"response_code":200,` +
      `"response_code_details":"via_upstream","response_flags":"-","route_name":"productpage",` +
      `"start_time":"2020-11-25T21:26:18.409Z",` +
      `"upstream_cluster":"outbound|9080||productpage.bookinfo.svc.cluster.local",` +
      `"upstream_host":"10.44.1.27:9080","upstream_local_address":"10.44.1.23:37652",` +
      `"upstream_service_time":"4","upstream_transport_failure_reason":null,"user_agent":"curl/7.73.0-DEV",` +
      `"x_forwarded_for":"10.44.1.23"}\n`,
  );
  const nr = JSON.parse(line(DEFAULT_JSON, noRoute()));
  assert.equal(nr.response_code, 404);
  assert.equal(nr.response_flags, "NR");
  assert.equal(nr.upstream_cluster, null);
  assert.equal(nr.route_name, null);
  assert.equal(Object.keys(nr).length, Object.keys(ISTIO_DEFAULT_JSON_LABELS).length);
});

Deno.test("access log: header operators, alternatives and truncation", () => {
  const rec = productpage({
    requestHeaders: new Headers({ "x-envoy-original-path": "/orig?a=1", referer: "https://example.com/" }),
    responseHeaders: new Headers({ "content-type": "text/html", "x-envoy-upstream-service-time": "7" }),
  });
  assert.equal(text("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", rec), "/orig?a=1");
  assert.equal(text("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"), "/productpage?u=normal");
  assert.equal(text("%REQ_WITHOUT_QUERY(X-ENVOY-ORIGINAL-PATH?:PATH)%", rec), "/orig");
  assert.equal(text("%REQ(referer):8%", rec), "https://");
  assert.equal(text("%REQ(:SCHEME)% %REQ(:METHOD)%"), "http GET");
  assert.equal(
    text("%RESP(content-type)% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% %RESP(:STATUS)%", rec),
    "text/html 7 200",
  );
  // Without response headers, the record's upstream service time stands in for the gateway's header.
  assert.equal(text("%RESP(x-envoy-upstream-service-time)% %RESP(content-type)%"), "4 -");
  assert.equal(text("%REQ(x-missing?x-other)%"), "-");
});

Deno.test("access log: address, upstream, gRPC and other operators", () => {
  const rec = reviewsConnectFailure({
    downstreamRemoteAddress: "[2001:db8::1]:51000",
    requestedServerName: "bookinfo.example.com",
    grpcStatus: "14",
  });
  assert.equal(
    text(
      "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_PORT% %DOWNSTREAM_LOCAL_PORT% " +
        "%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_REMOTE_PORT% %REQUESTED_SERVER_NAME%",
      rec,
    ),
    "2001:db8::1 51000 8080 10.44.1.31 9080 bookinfo.example.com",
  );
  assert.equal(text("%RESPONSE_FLAGS_LONG%", rec), "UpstreamConnectionFailure,UpstreamRetryLimitExceeded");
  assert.equal(text("%RESPONSE_FLAGS_LONG%"), "-");
  assert.equal(text("%GRPC_STATUS% %GRPC_STATUS_NUMBER%", rec), "Unavailable 14");
  assert.equal(text("%HOSTNAME% %ACCESS_LOG_TYPE%"), "gw-7d4f DownstreamEnd");
  assert.equal(text("%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%", noRoute()), "- -");
  assert.match(text("%UNIQUE_ID%"), /^[0-9a-f-]{36}$/);
});

Deno.test("access log: CEL operator, unknown operators and literal percent signs", () => {
  assert.equal(text("%CEL(request.headers['user-agent'])% %CEL(response.code + 1)%"), "curl/7.73.0-DEV 201");
  assert.equal(text("%CEL(size(request.url_path))%"), "12");
  assert.equal(text("%CEL(request.headers['nope'])%|%CEL(bad(()%"), "-|-");
  assert.equal(text("%DYNAMIC_METADATA(istio.mixer:status)% %FILTER_STATE(x)% %NOT_AN_OPERATOR%"), "- - -");
  assert.equal(text("100% of %REQ(:METHOD)% 50%"), "100% of GET 50%");
  assert.equal(text("%REQUEST_DURATION% %CONNECTION_TERMINATION_DETAILS%"), "- -");
});

Deno.test("access log: START_TIME formats", () => {
  assert.equal(text("%START_TIME%"), "2020-11-25T21:26:18.409Z");
  assert.equal(text("%START_TIME(%Y/%m/%dT%H:%M:%S%z)%"), "2020/11/25T21:26:18+0000");
  assert.equal(text("%START_TIME(%s)%"), "1606339578");
  assert.equal(text("%START_TIME(%s.%3f)%"), "1606339578.409");
  assert.equal(text("%START_TIME(%E3S|%E6S|%E*S|%f)%"), "18.409|18.409000|18.409|409000000");
  assert.equal(text("%START_TIME(%a %b %e %T %Y %Z %j)%"), "Wed Nov 25 21:26:18 2020 UTC 330");
  assert.equal(compileTimeFormat("%F %I:%M %p %%")(Date.UTC(2021, 0, 5, 9, 7)), "2021-01-05 09:07 AM %");
  assert.equal(compileTimeFormat("")(Date.UTC(2021, 0, 5, 9, 7, 3, 2)), "2021-01-05T09:07:03.002Z");
});

Deno.test("access log: omitEmptyValues and JSON typing", () => {
  assert.equal(text("[%ROUTE_NAME%] [%UPSTREAM_HOST%]", noRoute(), true), "[] []");
  const format: LogFormat = {
    type: "json",
    labels: {
      status: "%RESPONSE_CODE%",
      summary: "%REQ(:METHOD)% %ROUTE_NAME% -> %RESPONSE_CODE%",
      upstream: { host: "%UPSTREAM_HOST%", cluster: "%UPSTREAM_CLUSTER%" },
      fixed: 1,
      flag: true,
      note: "static",
    },
  };
  assert.equal(
    line(format, noRoute()),
    `{"fixed":1,"flag":true,"note":"static","status":404,"summary":"GET - -> 404",` +
      `"upstream":{"cluster":null,"host":null}}\n`,
  );
  assert.equal(
    line(format, noRoute(), true),
    `{"fixed":1,"flag":true,"note":"static","status":404,"summary":"GET  -> 404","upstream":{}}\n`,
  );
  const quoted = productpage({ requestHeaders: new Headers({ "user-agent": 'say "hi"\\ é' }) });
  assert.equal(
    line({ type: "json", labels: { ua: "%REQ(USER-AGENT)%" } }, quoted),
    '{"ua":"say \\"hi\\"\\\\ é"}\n',
  );
});

Deno.test("access log: format strings parse into text and commands", () => {
  assert.deepEqual(parseFormat("a %REQ(X?Y):10% b %CEL(size(x))%%PROTOCOL%"), [
    { type: "text", text: "a " },
    { type: "command", name: "REQ", arg: "X?Y", maxLength: 10 },
    { type: "text", text: " b " },
    { type: "command", name: "CEL", arg: "size(x)" },
    { type: "command", name: "PROTOCOL" },
  ]);
  assert.deepEqual(parseFormat("%START_TIME(%s)%"), [{ type: "command", name: "START_TIME", arg: "%s" }]);
  assert.deepEqual(parseFormat("50%"), [{ type: "text", text: "50%" }]);
});
