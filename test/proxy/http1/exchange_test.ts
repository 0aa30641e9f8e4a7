import assert from "node:assert/strict";
import { UpstreamError, type UpstreamRequest } from "../../../gateway/proxy/upstream.ts";
import { Http1Connection, type Socket } from "../../../gateway/proxy/http1/connection.ts";
import { Exchange, type ExchangeHost } from "../../../gateway/proxy/http1/exchange.ts";
import { ConnectionPool } from "../../../gateway/proxy/http1/pool.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A socket that answers with `pieces`, one per read (`null` is EOF), then stays open like an idle keep-alive
 * connection; it records what was written.
 */
class ScriptedSocket implements Socket {
  readonly written: Uint8Array[] = [];
  closed = false;
  readonly #pieces: (Uint8Array | null)[];
  #pending: ((e: Error) => void) | null = null;
  constructor(pieces: (Uint8Array | null)[]) {
    this.#pieces = pieces;
  }
  read(p: Uint8Array): Promise<number | null> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    if (this.#pieces.length === 0) return new Promise((_, reject) => (this.#pending = reject));
    const next = this.#pieces.shift()!;
    if (next === null) return Promise.resolve(null);
    const n = Math.min(next.length, p.length);
    p.set(next.subarray(0, n));
    if (n < next.length) this.#pieces.unshift(next.subarray(n));
    return Promise.resolve(n);
  }
  write(p: Uint8Array): Promise<number> {
    this.written.push(p.slice());
    return Promise.resolve(p.length);
  }
  close(): void {
    this.closed = true;
    this.#pending?.(new Deno.errors.Interrupted("closed"));
  }
  ref(): void {}
  unref(): void {}
}

function hostFor(socket: Socket): ExchangeHost & { pool: ConnectionPool } {
  const pool = new ConnectionPool();
  return { pool, connect: (_req, key) => Promise.resolve(new Http1Connection(socket, key)) };
}

function request(method = "GET", body: ReadableStream<Uint8Array> | null = null): UpstreamRequest {
  return { address: "127.0.0.1", port: 1, method, path: "/p", headers: HeaderList.from({ host: "h" }), body };
}

const RESPONSE = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" +
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n" +
  "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n";

Deno.test("Exchange skips 1xx and decodes the body wherever the response is split", async () => {
  const bytes = enc.encode(RESPONSE);
  for (let i = 0; i <= bytes.length; i++) {
    const pieces = i === 0 ? [bytes] : [bytes.subarray(0, i), bytes.subarray(i)];
    const socket = new ScriptedSocket(pieces);
    const host = hostFor(socket);
    const res = await new Exchange(host, request()).run();
    assert.equal(res.status, 200, `split at ${i}`);
    assert.equal(res.headers.get("x-dup"), "1, 2");
    assert.equal(await new Response(res.body).text(), "hello world", `split at ${i}`);
    // Complete on both sides and nothing left over: the connection went back to the pool.
    assert.equal(host.pool.idleCount, 1, `split at ${i}`);
    assert.equal(dec.decode(socket.written[0]), "GET /p HTTP/1.1\r\nhost: h\r\n\r\n");
    host.pool.close();
  }
});

Deno.test("Exchange reads content-length bodies byte by byte", async () => {
  const text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  const bytes = enc.encode(text);
  const socket = new ScriptedSocket([...bytes].map((b) => new Uint8Array([b])));
  const host = hostFor(socket);
  const res = await new Exchange(host, request()).run();
  assert.equal(await new Response(res.body).text(), "0123456789");
  assert.equal(host.pool.idleCount, 1);
  host.pool.close();
});

Deno.test("Exchange maps bad and cut-off responses to protocol_error and remote_reset", async () => {
  const cases: [string, string][] = [
    ["HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "protocol_error"],
    ["HTTP/1.1 200 OK\r\nContent-Le", "remote_reset"],
    ["", "remote_reset"],
    ["HTTP/1.1 200 OK\r\nX-A: " + "a".repeat(70_000) + "\r\n\r\n", "protocol_error"],
  ];
  for (const [text, reason] of cases) {
    const socket = new ScriptedSocket(text ? [enc.encode(text), null] : [null]);
    await assert.rejects(
      new Exchange(hostFor(socket), request()).run(),
      (e) => e instanceof UpstreamError && e.reason === reason,
    );
    assert.equal(socket.closed, true);
  }
});

Deno.test("Exchange errors the body stream when the upstream closes mid-body", async () => {
  const socket = new ScriptedSocket([enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"), null]);
  const res = await new Exchange(hostFor(socket), request()).run();
  await assert.rejects(
    new Response(res.body).text(),
    (e) => e instanceof UpstreamError && e.reason === "remote_reset",
  );
  assert.equal(socket.closed, true);
});
