/**
 * The upstream client on node:http (pooled keep-alive agent, Node streams converted to web streams): the
 * gateway uses it for requests that carry a body (see `upstream_client.ts`), and the client benchmark
 * compares against it.
 * @module
 */
import http from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { HeaderList } from "./header_list.ts";
import { UpstreamError, type UpstreamRequest, type UpstreamResponse } from "./upstream.ts";

/** Istio's default connect timeout (`meshConfig.connectTimeout`), for requests that carry none. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });

/** The idle timeout of the request a socket last carried (DestinationRule `idleTimeout`). */
const IDLE_TIMEOUT = Symbol("idle timeout");
/** The socket sits in the agent's pool. */
const IDLE = Symbol("idle");
type PooledSocket = Socket & { [IDLE_TIMEOUT]?: number; [IDLE]?: boolean };

function closeIfIdle(this: PooledSocket): void {
  if (this[IDLE]) this.destroy();
}

// A socket back in the pool closes after its last request's idle timeout; taken again, it has none.
agent.on("free", (socket: PooledSocket) => {
  const ms = socket[IDLE_TIMEOUT];
  socket[IDLE] = true;
  if (ms !== undefined && ms > 0) socket.setTimeout(ms);
});

/** Sends the request and resolves when the response headers arrive. */
export function sendUpstreamNodeHttp(req: UpstreamRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    req.headers.forEach((value, name) => {
      const seen = headers[name];
      headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    });
    let connected = false;
    const outgoing = http.request({
      host: req.address,
      port: req.port,
      method: req.method,
      path: req.path,
      headers,
      agent,
      signal: req.signal,
    });
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let connectTimedOut = false;
    outgoing.on("socket", (socket: PooledSocket) => {
      if (socket[IDLE] === undefined) socket.on("timeout", closeIfIdle);
      socket[IDLE] = false;
      socket.setTimeout(0);
      socket[IDLE_TIMEOUT] = req.idleTimeoutMs;
      if (!socket.connecting) {
        connected = true;
        return;
      }
      const timeoutMs = req.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      connectTimer = setTimeout(() => {
        connectTimedOut = true;
        outgoing.destroy(new Error(`connect timeout after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        connected = true;
        clearTimeout(connectTimer);
      });
    });
    outgoing.on("response", (res) => {
      const raw = res.rawHeaders;
      const fields: string[] = [];
      for (let i = 0; i < raw.length; i += 2) fields.push(raw[i].toLowerCase(), raw[i + 1]);
      const out = new HeaderList(fields);
      const status = res.statusCode ?? 502;
      const noBody = req.method === "HEAD" || status === 204 || status === 304 ||
        (status >= 100 && status < 200);
      resolve({
        status,
        headers: out,
        body: noBody ? (res.resume(), null) : (Readable.toWeb(res) as ReadableStream<Uint8Array>),
      });
    });
    outgoing.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (connectTimedOut) reject(new UpstreamError("connection_failure", err.message));
      else if (req.signal?.aborted) reject(new UpstreamError("local_reset", "request aborted"));
      else if (!connected) reject(new UpstreamError("connection_failure", err.message));
      else reject(new UpstreamError("remote_reset", err.message));
    });
    if (req.body instanceof Uint8Array) {
      outgoing.end(req.body);
    } else if (req.body) {
      Readable.fromWeb(req.body as import("node:stream/web").ReadableStream).on(
        "error",
        (e) => outgoing.destroy(e),
      )
        .pipe(outgoing);
    } else {
      outgoing.end();
    }
  });
}
