import assert from "node:assert/strict";
import { Http1Client } from "../../../gateway/proxy/http1/client.ts";
import { UpstreamError } from "../../../gateway/proxy/upstream.ts";
import { freePort } from "../../helpers/net.ts";
import { get, type RawConn, rawServer, serveUpstream, settle, streamOf } from "./_servers.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";
import { sendUpstreamNodeHttp } from "../../../gateway/proxy/node_http_client.ts";

const dec = new TextDecoder();

function isReset(reason: string) {
  return (e: unknown) => e instanceof UpstreamError && e.reason === reason;
}

async function text(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return body === null ? "" : await new Response(body).text();
}

Deno.test("Http1Client reuses keep-alive connections", async () => {
  const upstream = serveUpstream(() => new Response("ok"));
  const client = new Http1Client();
  try {
    for (let i = 0; i < 20; i++) {
      const res = await client.send(get(upstream.port));
      assert.equal(await text(res.body), "ok");
    }
    assert.equal(upstream.connections(), 1);
    const burst = async () => {
      const all = await Promise.all(Array.from({ length: 10 }, () => client.send(get(upstream.port))));
      for (const res of all) assert.equal(await text(res.body), "ok");
    };
    await burst();
    const afterFirstBurst = client.connectionsOpened;
    assert.ok(afterFirstBurst <= 10);
    await burst();
    assert.equal(client.connectionsOpened, afterFirstBurst);
    assert.equal(upstream.connections(), afterFirstBurst);
  } finally {
    client.close();
    await upstream.close();
  }
});

Deno.test("Http1Client drops a pooled connection the upstream closed while idle", async () => {
  const server = rawServer(async (conn, i) => {
    await conn.readHead();
    await conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nc${i}`);
    // Keep-alive on the wire, but the upstream closes as soon as the response is out.
  });
  const client = new Http1Client();
  try {
    assert.equal(await text((await client.send(get(server.port))).body), "c0");
    await settle(50);
    assert.equal(client.pool.idleCount, 0);
    assert.equal(await text((await client.send(get(server.port))).body), "c1");
    assert.equal(server.connections(), 2);
  } finally {
    client.close();
    await server.close();
  }
});

/** Answers the first request on connection 0, then closes it when the second request arrives. */
function flakyReuseServer() {
  return rawServer(async (conn, i) => {
    await conn.readHead();
    if (i === 0) {
      await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst");
      await conn.readHead();
      return; // closed without an answer, as an upstream timing out the connection would
    }
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh");
    await conn.readHead();
  });
}

Deno.test("Http1Client retries once on a fresh connection when a reused one dies before answering", async () => {
  const server = flakyReuseServer();
  const client = new Http1Client();
  try {
    assert.equal(await text((await client.send(get(server.port))).body), "first");
    assert.equal(await text((await client.send(get(server.port))).body), "fresh");
    assert.equal(server.connections(), 2);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client does not retry once the request body was consumed", async () => {
  const server = flakyReuseServer();
  const client = new Http1Client();
  try {
    assert.equal(await text((await client.send(get(server.port))).body), "first");
    await assert.rejects(
      client.send(get(server.port, "/", { method: "POST", body: streamOf("payload") })),
      isReset("remote_reset"),
    );
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client reports a refused connection as connection_failure", async () => {
  const client = new Http1Client();
  await assert.rejects(client.send(get(freePort())), isReset("connection_failure"));
});

Deno.test("Http1Client reports an upstream gone before a complete head as remote_reset", async (t) => {
  const scripts: Record<string, (conn: RawConn) => Promise<void>> = {
    "EOF mid-head": async (conn) => {
      await conn.readHead();
      await conn.write("HTTP/1.1 200 OK\r\nContent-Le");
    },
    "EOF before any byte": async (conn) => {
      await conn.readHead();
    },
    "reset mid-head": async (conn) => {
      await conn.readUntil("GET");
      await conn.write("HTTP/1.1 200 OK\r\n");
      await settle(20);
      // Closing with unread request bytes makes the kernel send RST.
    },
  };
  for (const [name, script] of Object.entries(scripts)) {
    await t.step(name, async () => {
      const server = rawServer(script);
      const client = new Http1Client();
      try {
        await assert.rejects(client.send(get(server.port)), isReset("remote_reset"));
      } finally {
        client.close();
        await server.close();
      }
    });
  }
});

Deno.test("Http1Client reports a malformed response as protocol_error", async () => {
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 2OO OK\r\n\r\n");
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    await assert.rejects(client.send(get(server.port)), isReset("protocol_error"));
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client aborts before the head arrives: local_reset, socket closed", async () => {
  let closedByClient = false;
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.waitClosed();
    closedByClient = true;
  });
  const client = new Http1Client();
  try {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 30);
    await assert.rejects(
      client.send(get(server.port, "/", { signal: abort.signal })),
      isReset("local_reset"),
    );
    await settle(50);
    assert.equal(closedByClient, true);
    assert.equal(client.pool.idleCount, 0);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client aborts mid-body: the body errors with local_reset and the socket closes", async () => {
  let closedByClient = false;
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\nfirst-part");
    await conn.waitClosed();
    closedByClient = true;
  });
  const client = new Http1Client();
  try {
    const abort = new AbortController();
    const res = await client.send(get(server.port, "/", { signal: abort.signal }));
    const reader = res.body!.getReader();
    assert.equal(dec.decode((await reader.read()).value), "first-part");
    abort.abort();
    await assert.rejects(reader.read(), isReset("local_reset"));
    await settle(50);
    assert.equal(closedByClient, true);
    assert.equal(client.pool.idleCount, 0);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client closes the connection when the consumer cancels the body", async () => {
  let closedByClient = false;
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc");
    await conn.waitClosed();
    closedByClient = true;
  });
  const client = new Http1Client();
  try {
    const res = await client.send(get(server.port));
    await res.body!.cancel();
    await settle(50);
    assert.equal(closedByClient, true);
    assert.equal(client.pool.idleCount, 0);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client passes a gzip body through byte for byte and adds no request headers", async () => {
  const plain = new TextEncoder().encode("hello compressed world ".repeat(100));
  const gzip = new Uint8Array(
    await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  let seen: [string, string][] = [];
  const upstream = serveUpstream((req) => {
    seen = [...req.headers];
    return new Response(gzip, { headers: { "content-encoding": "gzip", "content-type": "text/plain" } });
  });
  const client = new Http1Client();
  try {
    const res = await client.send(
      get(upstream.port, "/", { headers: HeaderList.from({ host: "h.test", "x-a": "1" }) }),
    );
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.equal(res.headers.get("content-length"), String(gzip.length));
    assert.deepEqual(new Uint8Array(await new Response(res.body).arrayBuffer()), gzip);
    assert.deepEqual(seen, [["host", "h.test"], ["x-a", "1"]]);
  } finally {
    client.close();
    await upstream.close();
  }
});

Deno.test("Http1Client writes exactly the caller's head and keeps header order, case and duplicates", async () => {
  let head = "";
  const server = rawServer(async (conn) => {
    head = (await conn.readHead())!;
    await conn.write(
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Dup: 1\r\nset-cookie: b=2\r\nx-dup: 2\r\nContent-Length: 0\r\n\r\n",
    );
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    const headers = HeaderList.from([["x-b", "2"], ["Host", "example.com:8080"], ["x-a", "1"]]);
    const res = await client.send(get(server.port, "/p?q=1", { headers }));
    assert.equal(head, "GET /p?q=1 HTTP/1.1\r\nhost: example.com:8080\r\nx-b: 2\r\nx-a: 1\r\n\r\n");
    assert.deepEqual(res.headers.getAll("set-cookie"), ["a=1", "b=2"]);
    assert.equal(res.headers.get("x-dup"), "1, 2");
    assert.equal(res.body, null);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client reads no body for HEAD, 204 and 304 and keeps the connection", async () => {
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
    await conn.readHead();
    await conn.write("HTTP/1.1 204 No Content\r\n\r\n");
    await conn.readHead();
    await conn.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\netag: "x"\r\n\r\n');
    await conn.readHead();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody");
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    const head = await client.send(get(server.port, "/", { method: "HEAD" }));
    assert.deepEqual([head.status, head.headers.get("content-length"), head.body], [200, "1000", null]);
    const noContent = await client.send(get(server.port));
    assert.deepEqual([noContent.status, noContent.body], [204, null]);
    const notModified = await client.send(get(server.port));
    assert.deepEqual([notModified.status, notModified.body], [304, null]);
    assert.equal(await text((await client.send(get(server.port))).body), "body");
    assert.equal(server.connections(), 1);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client streams a chunked request body and passes content-length through", async () => {
  const heads: string[] = [];
  const bodies: string[] = [];
  const server = rawServer(async (conn) => {
    heads.push((await conn.readHead())!);
    bodies.push((await conn.readUntil("0\r\n\r\n"))!);
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    heads.push((await conn.readHead())!);
    bodies.push((await conn.readBytes(11))!);
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    const big = "x".repeat(20_000);
    await client.send(
      get(server.port, "/up", { method: "POST", body: streamOf("hello", "", " world", big) }),
    );
    assert.equal(heads[0], "POST /up HTTP/1.1\r\nhost: upstream.test\r\ntransfer-encoding: chunked\r\n\r\n");
    // Chunks read ahead may be coalesced, so compare the decoded content and the framing, not the boundaries.
    assert.equal(dechunk(bodies[0]), `hello world${big}`);
    assert.ok(bodies[0].startsWith("5\r\nhello\r\n") && bodies[0].endsWith("\r\n0\r\n\r\n"));
    const headers = HeaderList.from({ host: "upstream.test", "content-length": "11" });
    await client.send(get(server.port, "/up", { method: "PUT", headers, body: streamOf("hello", " world") }));
    assert.equal(heads[1], "PUT /up HTTP/1.1\r\nhost: upstream.test\r\ncontent-length: 11\r\n\r\n");
    assert.equal(bodies[1], "hello world");
    assert.equal(server.connections(), 1);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client sends a whole body with its head, reuses it on a fresh connection, checks its length", async () => {
  const received: string[] = [];
  let first = true;
  const server = rawServer(async (conn) => {
    const head = (await conn.readHead())!;
    const body = (await conn.readBytes(5))!;
    received.push(head + body);
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    if (first) {
      // The pooled connection dies before the next request gets an answer: the whole body is sent again.
      first = false;
      await conn.readHead();
      conn.close();
      return;
    }
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    const headers = HeaderList.from({ host: "upstream.test", "content-length": "5" });
    const body = new TextEncoder().encode("hello");
    const one = await client.send(get(server.port, "/w", { method: "POST", headers, body }));
    assert.equal(await text(one.body), "ok");
    const two = await client.send(get(server.port, "/w", { method: "POST", headers, body }));
    assert.equal(await text(two.body), "ok");
    assert.deepEqual(received, [
      "POST /w HTTP/1.1\r\nhost: upstream.test\r\ncontent-length: 5\r\n\r\nhello",
      "POST /w HTTP/1.1\r\nhost: upstream.test\r\ncontent-length: 5\r\n\r\nhello",
    ]);
    const wrong = HeaderList.from({ host: "upstream.test", "content-length": "9" });
    await assert.rejects(
      client.send(get(server.port, "/w", { method: "POST", headers: wrong, body })),
      isReset("local_reset"),
    );
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client streams a chunked upload to Deno.serve, also while the response streams back", async () => {
  const upstream = serveUpstream(async (req) =>
    new URL(req.url).pathname === "/duplex" ? new Response(req.body) : new Response(await req.arrayBuffer())
  );
  const client = new Http1Client();
  try {
    const pieces = Array.from({ length: 50 }, (_, i) => `piece-${i};`);
    for (let i = 0; i < 3; i++) {
      const res = await client.send(get(upstream.port, "/", { method: "POST", body: streamOf(...pieces) }));
      assert.equal(await text(res.body), pieces.join(""));
    }
    assert.equal(upstream.connections(), 1);
    // Echoing while the upload still runs: Deno.serve answers `connection: close`, which is honoured.
    const res = await client.send(
      get(upstream.port, "/duplex", { method: "POST", body: streamOf(...pieces) }),
    );
    assert.equal(await text(res.body), pieces.join(""));
  } finally {
    client.close();
    await upstream.close();
  }
});

Deno.test("Http1Client skips interim 1xx responses", async () => {
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 100 Continue\r\n\r\n");
    await settle(10);
    await conn.write(
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\n",
    );
    await conn.write("content-length: 2\r\n\r\nok");
    await conn.waitClosed();
  });
  const client = new Http1Client();
  try {
    const res = await client.send(get(server.port, "/", { method: "POST", body: streamOf("data") }));
    assert.equal(res.status, 201);
    assert.equal(res.headers.has("link"), false);
    assert.equal(await text(res.body), "ok");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client does not reuse after connection: close or a read-until-close body", async () => {
  const server = rawServer(async (conn, i) => {
    await conn.readHead();
    if (i === 0) await conn.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\na");
    else await conn.write("HTTP/1.1 200 OK\r\n\r\nuntil close");
    await settle(20);
  });
  const client = new Http1Client();
  try {
    assert.equal(await text((await client.send(get(server.port))).body), "a");
    assert.equal(client.pool.idleCount, 0);
    assert.equal(await text((await client.send(get(server.port))).body), "until close");
    assert.equal(client.pool.idleCount, 0);
    assert.equal(server.connections(), 2);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client returns an early response and stops sending the request body", async () => {
  let cancelled = false;
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write("HTTP/1.1 413 Payload Too Large\r\ncontent-length: 3\r\nconnection: close\r\n\r\nbig");
  });
  const endless = new ReadableStream<Uint8Array>({
    async pull(c) {
      await settle(5);
      c.enqueue(new Uint8Array(1024));
    },
    cancel() {
      cancelled = true;
    },
  });
  const client = new Http1Client();
  try {
    const res = await client.send(get(server.port, "/", { method: "POST", body: endless }));
    assert.equal(res.status, 413);
    assert.equal(await text(res.body), "big");
    await settle(50);
    assert.equal(cancelled, true);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("Http1Client hands over the raw stream after 101 Switching Protocols", async () => {
  const server = rawServer(async (conn) => {
    await conn.readHead();
    await conn.write(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: demo\r\nconnection: upgrade\r\n\r\nraw bytes",
    );
  });
  const client = new Http1Client();
  try {
    const headers = HeaderList.from({ host: "h", connection: "upgrade", upgrade: "demo" });
    const res = await client.send(get(server.port, "/", { headers }));
    assert.equal(res.status, 101);
    assert.equal(await text(res.body), "raw bytes");
  } finally {
    client.close();
    await server.close();
  }
});

/** The payload of a complete chunked body (no trailers). */
function dechunk(wire: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const eol = wire.indexOf("\r\n", i);
    const size = parseInt(wire.slice(i, eol), 16);
    if (size === 0) return out;
    out += wire.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

Deno.test("Http1Client closes a pooled connection after the request's idle timeout", async () => {
  const server = rawServer(async (conn, i) => {
    for (;;) {
      if ((await conn.readHead()) === null) return;
      await conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nc${i}`);
    }
  });
  const client = new Http1Client();
  try {
    assert.equal(await text((await client.send(get(server.port, "/", { idleTimeoutMs: 100 }))).body), "c0");
    assert.equal(await text((await client.send(get(server.port, "/", { idleTimeoutMs: 100 }))).body), "c0");
    assert.equal(server.connections(), 1, "reused while fresh");
    await settle(300);
    assert.equal(client.pool.idleCount, 0, "closed after 100 ms idle");
    assert.equal(await text((await client.send(get(server.port))).body), "c1");
    assert.equal(server.connections(), 2);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("node:http upload client closes a pooled connection after the request's idle timeout", async () => {
  const server = rawServer(async (conn, i) => {
    for (;;) {
      if ((await conn.readHead()) === null) return;
      await conn.readUntil("0\r\n\r\n");
      await conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nc${i}`);
    }
  });
  const upload = (idleTimeoutMs: number) =>
    sendUpstreamNodeHttp(
      get(server.port, "/up", { method: "POST", body: streamOf("a", "b"), idleTimeoutMs }),
    );
  try {
    assert.equal(await text((await upload(150)).body), "c0");
    await settle(30);
    assert.equal(await text((await upload(150)).body), "c0", "reused while fresh");
    await settle(400);
    assert.equal(await text((await upload(150)).body), "c1", "a new connection after 150 ms idle");
    assert.equal(server.connections(), 2);
  } finally {
    await server.close();
  }
});
