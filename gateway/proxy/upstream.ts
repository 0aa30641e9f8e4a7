/**
 * Sending a request to an upstream endpoint over HTTP/1.1 with node:http: bodies stream both ways untouched
 * (no decompression, no added default headers, `Host` as given), and connections are kept alive and reused.
 * @module
 */
import http from "node:http";
import { Readable } from "node:stream";

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });

/** A request to send upstream. */
export interface UpstreamRequest {
  readonly address: string;
  readonly port: number;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
  /** Aborts the upstream request (client gone, timeout). */
  readonly signal?: AbortSignal;
}

/** The upstream's answer, with a streaming body. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
}

/** Why an upstream exchange failed before response headers arrived. */
export class UpstreamError extends Error {
  /** `connection_failure`, `remote_reset` or `timeout`... in Envoy's reset-reason words. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Sends the request and resolves when the response headers arrive. */
export function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    req.headers.forEach((value, name) => {
      if (name === "set-cookie") return;
      headers[name] = value;
    });
    const cookies = req.headers.getSetCookie();
    if (cookies.length > 0) headers["set-cookie"] = cookies;
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
    outgoing.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    outgoing.on("response", (res) => {
      const out = new Headers();
      const raw = res.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) out.append(raw[i], raw[i + 1]);
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
      if (req.signal?.aborted) reject(new UpstreamError("local_reset", "request aborted"));
      else if (!connected) reject(new UpstreamError("connection_failure", err.message));
      else reject(new UpstreamError("remote_reset", err.message));
    });
    if (req.body) {
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
