import assert from "node:assert/strict";
import { clientAddresses } from "../../gateway/proxy/client_address.ts";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { appendResponseHeaders, upstreamHeaders } from "../../gateway/proxy/headers.ts";
import { requestFields } from "../../gateway/proxy/request_fields.ts";

/** The request fields of a request with `headers`. */
const fieldsOf = (headers: HeadersInit) => requestFields(new Request("http://a.example/", { headers }));

const external = { addresses: clientAddresses("203.0.113.9", null, 0), scheme: "http", trustProxies: false };
const internal = { addresses: clientAddresses("10.0.0.2", null, 0), scheme: "https", trustProxies: false };

Deno.test("upstreamHeaders: hop-by-hop and Connection-named fields go, forwarding fields are set", () => {
  const source = fieldsOf({
    host: "a.example",
    connection: "keep-alive, x-secret",
    "keep-alive": "timeout=5",
    "x-secret": "s",
    te: "trailers",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "198.51.100.1",
    "x-keep": "k",
  });
  const ctx = { ...external, addresses: clientAddresses("203.0.113.9", "198.51.100.1", 0) };
  const h = upstreamHeaders(source, ctx);
  for (const gone of ["connection", "keep-alive", "x-secret"]) assert.equal(h.get(gone), null, gone);
  assert.equal(h.get("te"), "trailers", "TE: trailers is the one hop-by-hop field Envoy forwards");
  assert.equal(h.get("x-keep"), "k");
  assert.equal(h.get("host"), "a.example");
  assert.equal(h.get("x-forwarded-for"), "198.51.100.1,203.0.113.9", "Envoy appends with a bare comma");
  assert.equal(h.get("x-forwarded-proto"), "http", "an untrusted client's X-Forwarded-Proto is replaced");
  assert.match(h.get("x-request-id")!, /^[0-9a-f-]{36}$/);
  assert.equal(h.getAll("x-forwarded-proto").length, 1);
});

Deno.test("upstreamHeaders: Envoy's control headers from outside are stripped and the external address set; internal keeps them", () => {
  const source = fieldsOf({
    "x-envoy-retry-on": "5xx",
    "x-envoy-decorator-operation": "forged",
    "x-envoy-external-address": "192.0.2.1",
    "x-envoy-internal": "true",
    "x-envoy-custom": "kept",
    "x-request-id": "given",
  });
  const out = upstreamHeaders(source, external);
  assert.equal(out.get("x-envoy-retry-on"), null);
  assert.equal(out.get("x-envoy-decorator-operation"), null);
  assert.equal(out.get("x-envoy-internal"), null, "an external request is not marked internal");
  assert.equal(out.get("x-envoy-custom"), "kept", "headers not on Envoy's list pass");
  assert.equal(out.get("x-envoy-external-address"), "203.0.113.9");
  assert.notEqual(out.get("x-request-id"), "given", "an edge request gets a new id");
  assert.equal(out.getAll("x-request-id").length, 1);
  const inside = upstreamHeaders(source, internal);
  assert.equal(inside.get("x-envoy-retry-on"), "5xx");
  assert.equal(inside.get("x-envoy-external-address"), "192.0.2.1", "an internal request's own is kept");
  assert.deepEqual(inside.getAll("x-envoy-internal"), ["true"], "set by the gateway, once");
  assert.equal(inside.get("x-request-id"), "given", "an internal request keeps its id");
  assert.equal(inside.get("x-forwarded-proto"), "https");
});

Deno.test("upstreamHeaders: with trusted proxies their X-Forwarded-Proto stays", () => {
  const ctx = {
    addresses: clientAddresses("10.0.0.2", "198.51.100.1", 1),
    scheme: "http",
    trustProxies: true,
  };
  const h = upstreamHeaders(fieldsOf({ "x-forwarded-proto": "https" }), ctx);
  assert.deepEqual(h.getAll("x-forwarded-proto"), ["https"]);
  assert.equal(ctx.addresses.client, "198.51.100.1");
});

Deno.test("upstreamHeaders: other fields keep their order and repeats; every Connection field names hop-by-hop ones", () => {
  const source = fieldsOf([
    ["Z-Last", "1"],
    ["X-Dup", "one"],
    ["connection", "x-a"],
    ["A-First", "2"],
    ["x-dup", "two"],
    ["Connection", "x-b"],
    ["x-a", "gone"],
    ["x-b", "gone"],
  ]);
  const h = upstreamHeaders(source, internal);
  assert.deepEqual(h.fields.slice(0, 8), ["z-last", "1", "x-dup", "one", "a-first", "2", "x-dup", "two"]);
  assert.equal(h.get("x-a"), null);
  assert.equal(h.get("x-b"), null);
});

Deno.test("appendResponseHeaders: keeps duplicates and drops hop-by-hop fields", () => {
  const upstream = HeaderList.from([
    ["content-type", "text/plain"],
    ["connection", "keep-alive, x-hop"],
    ["x-hop", "1"],
    ["transfer-encoding", "chunked"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["x-dup", "1"],
    ["x-dup", "2"],
  ]);
  const target = new Response(null).headers;
  appendResponseHeaders(target, upstream);
  assert.deepEqual(target.getSetCookie(), ["a=1", "b=2"]);
  assert.equal(target.get("x-dup"), "1, 2");
  for (const gone of ["connection", "x-hop", "transfer-encoding"]) assert.equal(target.get(gone), null, gone);
  assert.equal(target.get("content-type"), "text/plain");
});

Deno.test("upstreamHeaders: a client's X-Forwarded-Client-Cert is removed (no client certificate), kept with ALWAYS_FORWARD_ONLY", () => {
  const source = fieldsOf({
    "x-forwarded-client-cert": "By=spiffe://forged;URI=spiffe://admin",
    "x-keep": "1",
  });
  assert.equal(upstreamHeaders(source, internal).get("x-forwarded-client-cert"), null);
  assert.equal(upstreamHeaders(source, external).get("x-forwarded-client-cert"), null);
  assert.equal(
    upstreamHeaders(source, { ...external, keepClientCert: true }).get("x-forwarded-client-cert"),
    "By=spiffe://forged;URI=spiffe://admin",
  );
});

Deno.test("upstreamHeaders: TE goes upstream only as `trailers`, when the client offered it (Envoy's sanitizeTEHeader)", () => {
  const te = (value: string, ctx = internal) => upstreamHeaders(fieldsOf({ te: value }), ctx).getAll("te");
  assert.deepEqual(te("trailers"), ["trailers"]);
  assert.deepEqual(te("gzip, Trailers, deflate"), ["trailers"]);
  assert.deepEqual(te("gzip, deflate"), []);
  const named = fieldsOf([["connection", "te"], ["te", "trailers"]]);
  assert.deepEqual(
    upstreamHeaders(named, external).getAll("te"),
    ["trailers"],
    "even when Connection names it",
  );
  const edited = upstreamHeaders(fieldsOf({ te: "trailers" }), internal);
  assert.deepEqual(upstreamHeaders(edited.fields, { ...internal, edited: true }).getAll("te"), ["trailers"]);
});

Deno.test("upstreamHeaders: a Referer that is repeated or not an absolute URL is dropped (Envoy's sanitizing)", () => {
  const referer = (fields: [string, string][]) =>
    upstreamHeaders(fieldsOf(fields), internal).getAll("referer");
  assert.deepEqual(referer([["referer", "https://a.example/page"]]), ["https://a.example/page"]);
  assert.deepEqual(referer([["referer", "/relative/page"]]), []);
  assert.deepEqual(referer([["referer", "https://a.example/"], ["referer", "https://b.example/"]]), []);
});

Deno.test("upstreamHeaders: an x-request-id decided before the filters replaces the request's own, once", () => {
  const source = fieldsOf({ "x-request-id": "client-id" });
  assert.deepEqual(upstreamHeaders(source, { ...internal, requestId: "decided" }).getAll("x-request-id"), [
    "decided",
  ]);
  assert.deepEqual(upstreamHeaders(source, { ...external, requestId: "decided" }).getAll("x-request-id"), [
    "decided",
  ]);
  assert.deepEqual(upstreamHeaders(source, internal).getAll("x-request-id"), ["client-id"]);
});
