/**
 * A pooled HTTP/1.1 upstream client on `Deno.connect`, with the same contract as `sendUpstream` in
 * `../upstream.ts`: bodies stream both ways with backpressure and pass through untouched (no decompression,
 * no default headers, `Host` as given), keep-alive connections are reused, and failures reject with an
 * {@linkcode UpstreamError} named as Envoy names reset reasons.
 * @module
 */
import { UpstreamError, type UpstreamRequest, type UpstreamResponse } from "../upstream.ts";

export type { UpstreamRequest, UpstreamResponse };
export { UpstreamError };
import { Http1Connection } from "./connection.ts";
import { Exchange, type ExchangeHost } from "./exchange.ts";
import { ConnectionPool, type PoolOptions } from "./pool.ts";

/** Client settings. */
export interface Http1ClientOptions extends PoolOptions {
  /**
   * Time allowed to establish a TCP connection (Istio's `connectionPool.tcp.connectTimeout`).
   * @default {10000}
   */
  connectTimeoutMs?: number;
}

/**
 * An HTTP/1.1 client with a keep-alive pool per endpoint.
 *
 * @example Usage
 * ```ts ignore
 * const client = new Http1Client({ connectTimeoutMs: 2000 });
 * const res = await client.send({
 *   address: "127.0.0.1", port: 8080, method: "GET", path: "/", headers: new Headers({ host: "a" }), body: null,
 * });
 * await res.body?.cancel();
 * client.close();
 * ```
 */
export class Http1Client implements ExchangeHost {
  /** Idle connections. */
  readonly pool: ConnectionPool;
  readonly #connectTimeoutMs: number;
  #opened = 0;

  /** Creates a client with its own connection pool. */
  constructor(options: Http1ClientOptions = {}) {
    this.pool = new ConnectionPool(options);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /** Connections opened so far. */
  get connectionsOpened(): number {
    return this.#opened;
  }

  /**
   * Sends the request and resolves when the final response head arrives (1xx other than 101 are skipped).
   * @throws {UpstreamError} `connection_failure` (refused, unreachable, connect timeout), `remote_reset`
   * (reset or closed before a complete response head), `local_reset` (aborted by `req.signal`, or the request
   * body failed), `protocol_error` (malformed response, or a request that cannot be put on the wire).
   */
  send(req: UpstreamRequest): Promise<UpstreamResponse> {
    return new Exchange(this, req).run();
  }

  /** Opens a connection for `req`'s endpoint, bounded by the connect timeout and `req.signal`. */
  async connect(req: UpstreamRequest, key: string): Promise<Http1Connection> {
    const signal = req.signal;
    const controller = new AbortController();
    let timedOut = false;
    const timeoutMs = req.connectTimeoutMs ?? this.#connectTimeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener("abort", onAbort);
    try {
      const socket = await Deno.connect({ hostname: req.address, port: req.port, signal: controller.signal });
      socket.setNoDelay(true);
      this.#opened++;
      return new Http1Connection(socket, key);
    } catch (e) {
      if (signal?.aborted) throw new UpstreamError("local_reset", "request aborted while connecting");
      if (timedOut) {
        throw new UpstreamError("connection_failure", `connect timeout after ${timeoutMs} ms`);
      }
      throw new UpstreamError("connection_failure", e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Closes the idle connections; connections in use close when their exchange ends. */
  close(): void {
    this.pool.close();
  }
}

const defaultClient = new Http1Client();

/**
 * Drop-in replacement for `sendUpstream` (`../upstream.ts`) backed by a shared {@linkcode Http1Client}:
 * sends the request and resolves when the response head arrives.
 * @throws {UpstreamError} as {@linkcode Http1Client.send} does.
 */
export function sendUpstreamHttp1(req: UpstreamRequest): Promise<UpstreamResponse> {
  return defaultClient.send(req);
}
