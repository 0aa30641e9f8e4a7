import assert from "node:assert/strict";
import {
  ChunkedEncoder,
  encodeRequestHead,
  REQUEST_BODY_CHUNKED,
  REQUEST_BODY_LENGTH,
  REQUEST_BODY_NONE,
  type RequestFraming,
} from "../../../gateway/proxy/http1/request_writer.ts";
import { ProtocolError } from "../../../gateway/proxy/http1/response_parser.ts";
import { HeaderList, type HeaderListInit } from "../../../gateway/proxy/header_list.ts";

const dec = new TextDecoder("latin1");

function encode(method: string, path: string, init: HeaderListInit, hasBody: boolean, scratchSize = 4096) {
  const out: RequestFraming = { framing: -1, contentLength: -1, closeAfter: false };
  const bytes = encodeRequestHead(
    method,
    path,
    HeaderList.from(init),
    hasBody,
    out,
    new Uint8Array(scratchSize),
  );
  return { text: dec.decode(bytes), ...out };
}

Deno.test("encodeRequestHead() puts Host first and adds no header for a request without body", () => {
  const r = encode("GET", "/a?b=1", [["x-b", "2"], ["Host", "example.com"], ["x-a", "1"]], false);
  assert.equal(r.text, "GET /a?b=1 HTTP/1.1\r\nhost: example.com\r\nx-b: 2\r\nx-a: 1\r\n\r\n");
  assert.equal(r.framing, REQUEST_BODY_NONE);
  const noHost = encode("HEAD", "/", {}, false);
  assert.equal(noHost.text, "HEAD / HTTP/1.1\r\n\r\n");
});

Deno.test("encodeRequestHead() keeps content-length and frames unknown lengths as chunked", () => {
  const withLength = encode("POST", "/", { host: "h", "content-length": "11" }, true);
  assert.equal(withLength.text, "POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 11\r\n\r\n");
  assert.equal(withLength.framing, REQUEST_BODY_LENGTH);
  assert.equal(withLength.contentLength, 11);
  const streamed = encode("PUT", "/", { host: "h" }, true);
  assert.equal(streamed.text, "PUT / HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n");
  assert.equal(streamed.framing, REQUEST_BODY_CHUNKED);
  const zero = encode("POST", "/", { "content-length": "0" }, true);
  assert.equal(zero.framing, REQUEST_BODY_NONE);
  // Given both, chunked wins and content-length is not sent (RFC 9112 §6.2).
  const both = encode("POST", "/", { "content-length": "3", "transfer-encoding": "chunked" }, true);
  assert.equal(both.text, "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n");
  assert.equal(both.framing, REQUEST_BODY_CHUNKED);
  assert.equal(encode("GET", "/", { connection: "close" }, false).closeAfter, true);
});

Deno.test("encodeRequestHead() writes latin1 bytes and grows past the scratch buffer", () => {
  const big = "v".repeat(10_000);
  const r = encode("GET", "/", { "x-big": big, "x-l1": "caf\u00e9" }, false, 64);
  assert.equal(r.text, `GET / HTTP/1.1\r\nx-big: ${big}\r\nx-l1: caf\u00e9\r\n\r\n`);
  const out: RequestFraming = { framing: 0, contentLength: 0, closeAfter: false };
  const bytes = encodeRequestHead(
    "GET",
    "/",
    HeaderList.from({ "x-l1": "\u00e9" }),
    false,
    out,
    new Uint8Array(64),
  );
  assert.equal(bytes[bytes.length - 5], 0xe9);
});

Deno.test("encodeRequestHead() refuses what cannot go on the wire", () => {
  assert.throws(() => encode("GET", "/a b", {}, false), ProtocolError);
  assert.throws(() => encode("GET", "/a\r\nx: y", {}, false), ProtocolError);
  assert.throws(() => encode("GE T", "/", {}, false), ProtocolError);
  assert.throws(() => encode("POST", "/", { "content-length": "5" }, false), ProtocolError);
  assert.throws(() => encode("POST", "/", { "content-length": "abc" }, true), ProtocolError);
});

Deno.test("ChunkedEncoder frames small chunks whole and large chunks without copying", () => {
  const encoder = new ChunkedEncoder();
  const parts: Uint8Array[] = [];
  const small = new TextEncoder().encode("hello");
  parts.push(encoder.frame(small));
  assert.equal(encoder.includesData, true);
  const large = new Uint8Array(40_000).fill(65);
  parts.push(encoder.frame(large));
  assert.equal(encoder.includesData, false);
  parts.push(large);
  parts.push(encoder.frame(small));
  parts.push(encoder.end());
  const wire = dec.decode(new Uint8Array(parts.flatMap((p) => [...p])));
  assert.equal(wire, `5\r\nhello\r\n9c40\r\n${"A".repeat(40_000)}\r\n5\r\nhello\r\n0\r\n\r\n`);
  assert.equal(dec.decode(new ChunkedEncoder().end()), "0\r\n\r\n");
});
