/**
 * `listen_floor`: a feasibility probe, not a proxy to use. `Deno.listen` with a minimal HTTP/1.1 server in
 * JavaScript (keep-alive unless the client sends `connection: close`; requests without a body only: anything
 * else is answered 400 and the connection closed) forwarding through the gateway's own HTTP/1.1 client. Set beside `deno_floor` it shows what
 * `Deno.serve` itself (hyper, `Request`/`Response` objects and their headers) costs per request, and so
 * what a gateway with its own server front could gain. Used by `bench/data_path.ts`.
 * Run: `deno run --allow-net bench/probes/listen_floor.ts PORT UPSTREAM_PORT` (listens on 127.0.0.1:PORT).
 * @module
 */
import { Http1Client } from "../../gateway/proxy/http1/client.ts";
import { HeaderList } from "../../gateway/proxy/header_list.ts";

const [port, upstream] = Deno.args.map(Number);
const client = new Http1Client();
const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();
const HEAD_LIMIT = 16 * 1024;
const BAD_REQUEST = encoder.encode(
  "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
);

/** One request head: target, fields and whether to close after it; undefined when this probe does not serve it. */
function parseHead(text: string): { path: string; fields: string[]; close: boolean } | undefined {
  const lines = text.split("\r\n");
  const [method, path, version] = lines[0].split(" ");
  if (method !== "GET" || !path?.startsWith("/") || version !== "HTTP/1.1") return undefined;
  const fields: string[] = [];
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon <= 0) return undefined;
    const name = lines[i].slice(0, colon).toLowerCase();
    if (name === "content-length" || name === "transfer-encoding") return undefined;
    const value = lines[i].slice(colon + 1).trim();
    if (name === "connection") close = value.toLowerCase() === "close";
    else fields.push(name, value);
  }
  return { path, fields, close };
}

async function serveConnection(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buf = new Uint8Array(HEAD_LIMIT);
  let filled = 0;
  try {
    for (;;) {
      const n = await conn.read(buf.subarray(filled));
      if (n === null) return;
      filled += n;
      const text = latin1.decode(buf.subarray(0, filled));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        if (filled === buf.length) return void await conn.write(BAD_REQUEST);
        continue;
      }
      const head = parseHead(text.slice(0, end));
      if (!head || end + 4 !== filled) return void await conn.write(BAD_REQUEST);
      filled = 0;
      const res = await client.send({
        address: "127.0.0.1",
        port: upstream,
        method: "GET",
        path: head.path,
        headers: new HeaderList(head.fields),
        body: null,
      });
      const body = res.bodyBytes;
      if (body === undefined) {
        await res.body?.cancel();
        return void await conn.write(BAD_REQUEST);
      }
      let out = `HTTP/1.1 ${res.status} OK\r\n`;
      const f = res.headers.fields;
      for (let i = 0; i < f.length; i += 2) {
        if (f[i] !== "connection" && f[i] !== "content-length") out += `${f[i]}: ${f[i + 1]}\r\n`;
      }
      out += `content-length: ${body.length}\r\n\r\n`;
      const bytes = new Uint8Array(out.length + body.length);
      encoder.encodeInto(out, bytes);
      bytes.set(body, out.length);
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
      if (head.close) return;
    }
  } catch {
    // the client went away; the connection closes below
  } finally {
    conn.close();
  }
}

for await (const conn of Deno.listen({ hostname: "127.0.0.1", port })) void serveConnection(conn);
