import assert from "node:assert/strict";
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_UNTIL_CLOSE,
  ChunkedDecoder,
  findHeadEnd,
  parseResponseHead,
  ProtocolError,
  responseFraming,
  type ResponseHead,
} from "../../../gateway/proxy/http1/response_parser.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Parses `text` the way the client does: bytes arrive in pieces, the scan resumes where it stopped. */
function parseInPieces(text: string, cuts: number[]): { head: ResponseHead; end: number } {
  const bytes = enc.encode(text);
  const buf = new Uint8Array(bytes.length);
  let filled = 0, scanned = 0;
  for (const cut of [...cuts, bytes.length]) {
    buf.set(bytes.subarray(filled, cut), filled);
    filled = cut;
    const end = findHeadEnd(buf, Math.max(0, scanned - 3), filled);
    scanned = filled;
    if (end >= 0) return { head: parseResponseHead(buf, 0, end), end };
  }
  throw new Error("head never completed");
}

const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nX-Dup: one\r\n" +
  "set-cookie: b=2\r\nX-Dup:two  \r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello";

Deno.test("parseResponseHead() gives the same head wherever the bytes are split", () => {
  const whole = parseInPieces(HEAD, []);
  assert.equal(whole.end, HEAD.length - 5);
  for (let i = 1; i < HEAD.length; i++) {
    const { head, end } = parseInPieces(HEAD, [i]);
    assert.equal(end, whole.end, `split at ${i}`);
    assert.deepEqual(head, whole.head, `split at ${i}`);
  }
  // One byte at a time.
  const oneByOne = parseInPieces(HEAD, Array.from({ length: HEAD.length - 1 }, (_, i) => i + 1));
  assert.deepEqual(oneByOne.head, whole.head);
});

Deno.test("parseResponseHead() keeps names, values, duplicates and order exactly", () => {
  const { head } = parseInPieces(HEAD, []);
  assert.equal(head.status, 200);
  assert.equal(head.reason, "OK");
  assert.equal(head.minor, 1);
  assert.deepEqual(head.rawHeaders, [
    "Content-Type",
    "text/plain",
    "Set-Cookie",
    "a=1",
    "X-Dup",
    "one",
    "set-cookie",
    "b=2",
    "X-Dup",
    "two",
    "X-Empty",
    "",
    "Content-Length",
    "5",
  ]);
  assert.equal(head.contentLength, 5);
  assert.equal(head.keepAlive, true);
});

Deno.test("parseResponseHead() accepts bare LF line ends, no reason phrase and latin1 bytes", () => {
  const bytes = new Uint8Array([...enc.encode("HTTP/1.1 404\nX-A: caf"), 0xe9, ...enc.encode("\n\n")]);
  const end = findHeadEnd(bytes, 0, bytes.length);
  assert.equal(end, bytes.length);
  const head = parseResponseHead(bytes, 0, end);
  assert.equal(head.status, 404);
  assert.equal(head.reason, "");
  assert.deepEqual(head.rawHeaders, ["X-A", "caf\u00e9"]);
});

Deno.test("parseResponseHead() rejects malformed heads", async (t) => {
  const bad = [
    "HTTP/1.1 2OO OK\r\n\r\n",
    "HTTP/2.0 200 OK\r\n\r\n",
    "HTTP/1.1 200OK\r\n\r\n",
    "ICY 200 OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n",
    "HTTP/1.1 200 OK\r\n: b\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
  ];
  for (const text of bad) {
    await t.step(JSON.stringify(text), () => {
      const bytes = enc.encode(text);
      assert.throws(() => parseResponseHead(bytes, 0, findHeadEnd(bytes, 0, bytes.length)), ProtocolError);
    });
  }
});

Deno.test("responseFraming() follows RFC 9112 §6.3", () => {
  const frame = (text: string, method = "GET") => {
    const { head } = parseInPieces(text, []);
    return { framing: responseFraming(head, method), keepAlive: head.keepAlive };
  };
  assert.deepEqual(frame("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD"), {
    framing: BODY_NONE,
    keepAlive: true,
  });
  assert.equal(frame("HTTP/1.1 204 No Content\r\n\r\n").framing, BODY_NONE);
  assert.equal(frame("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").framing, BODY_NONE);
  assert.equal(frame("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").framing, BODY_NONE);
  assert.equal(frame("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n").framing, BODY_LENGTH);
  assert.equal(frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").framing, BODY_CHUNKED);
  assert.equal(frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").framing, BODY_UNTIL_CLOSE);
  assert.equal(frame("HTTP/1.1 200 OK\r\n\r\n").framing, BODY_UNTIL_CLOSE);
  assert.equal(frame("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n").framing, BODY_UNTIL_CLOSE);
  // Both framings: Transfer-Encoding wins and the connection is not reused.
  assert.deepEqual(frame("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), {
    framing: BODY_CHUNKED,
    keepAlive: false,
  });
  assert.equal(
    frame("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 1\r\n\r\n").keepAlive,
    false,
  );
  assert.equal(frame("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").keepAlive, false);
  assert.equal(
    frame("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n").keepAlive,
    true,
  );
});

const CHUNKED = '5;name=value;q="a;b"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n' +
  "3 ; ext\r\n!!!\r\n0;last=1\r\nX-Trailer: t1\r\nx-trailer: t2\r\n\r\nNEXT";
const CHUNKED_DATA = "helloabcdefghijklmnopqrstuvwxyz!!!";

function decodeInPieces(text: string, cuts: number[]): { data: string; trailers: string[]; end: number } {
  const bytes = enc.encode(text);
  const decoder = new ChunkedDecoder();
  let data = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const stop = decoder.decode(bytes, from, cut);
    for (let i = 0; i < decoder.spans.length; i += 2) {
      data += dec.decode(bytes.subarray(decoder.spans[i], decoder.spans[i + 1]));
    }
    if (decoder.done) return { data, trailers: decoder.trailers, end: stop };
    assert.equal(stop, cut);
    from = cut;
  }
  throw new Error("body never completed");
}

Deno.test("ChunkedDecoder decodes extensions and trailers wherever the bytes are split", () => {
  const end = CHUNKED.length - 4;
  const expected = { data: CHUNKED_DATA, trailers: ["X-Trailer", "t1", "x-trailer", "t2"], end };
  assert.deepEqual(decodeInPieces(CHUNKED, []), expected);
  for (let i = 1; i < CHUNKED.length; i++) {
    assert.deepEqual(decodeInPieces(CHUNKED, [i]), expected, `split at ${i}`);
    for (let j = i + 1; j < CHUNKED.length; j += 7) {
      assert.deepEqual(decodeInPieces(CHUNKED, [i, j]), expected, `split at ${i}, ${j}`);
    }
  }
  assert.deepEqual(
    decodeInPieces(CHUNKED, Array.from({ length: CHUNKED.length - 1 }, (_, i) => i + 1)),
    expected,
  );
});

Deno.test("ChunkedDecoder accepts bare LF and an empty trailer section", () => {
  assert.deepEqual(decodeInPieces("2\nab\n0\n\n", []), { data: "ab", trailers: [], end: 8 });
  assert.deepEqual(decodeInPieces("0\r\n\r\n", []), { data: "", trailers: [], end: 5 });
});

Deno.test("ChunkedDecoder rejects malformed framing", async (t) => {
  for (
    const text of [
      "zz\r\n",
      "\r\n",
      "2\r\nabX\r\n",
      "fffffffffffffff\r\n",
      "2\r\nab\r\n0\r\nbad trailer\r\n\r\n",
    ]
  ) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => decodeInPieces(text, []), ProtocolError);
    });
  }
});
