/**
 * Keep-alive pool of idle HTTP/1.1 connections per endpoint (`address:port`): most recently used first, at
 * most `maxIdlePerEndpoint` idle connections per endpoint, closed after `idleTimeoutMs` without use, and
 * dropped as soon as the upstream closes them.
 * @module
 */
import type { Http1Connection, IdleOwner } from "./connection.ts";

/** Pool limits. */
export interface PoolOptions {
  /**
   * Idle connections kept per endpoint; more are closed when released.
   * @default {256}
   */
  maxIdlePerEndpoint?: number;
  /**
   * A connection unused for this long is closed (Istio's `connectionPool.http.idleTimeout`).
   * @default {3600000}
   */
  idleTimeoutMs?: number;
}

/** Idle connections by endpoint. */
export class ConnectionPool implements IdleOwner {
  readonly #maxIdle: number;
  readonly #idleTimeoutMs: number;
  readonly #idle = new Map<string, Http1Connection[]>();
  #count = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The sweep interval of the running sweeper. */
  #every = Infinity;

  /** Creates an empty pool. */
  constructor(options: PoolOptions = {}) {
    this.#maxIdle = options.maxIdlePerEndpoint ?? 256;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 3_600_000;
  }

  /** Idle connections in the pool. */
  get idleCount(): number {
    return this.#count;
  }

  /** Takes the most recently parked connection to `key`, if any. */
  take(key: string): Http1Connection | undefined {
    const list = this.#idle.get(key);
    if (list === undefined) return undefined;
    while (list.length > 0) {
      const conn = list.pop()!;
      this.#count--;
      if (!conn.closed && conn.idle) {
        conn.activate();
        return conn;
      }
    }
    return undefined;
  }

  /** Parks `conn` for reuse, or closes it when its endpoint already has enough idle connections. */
  put(conn: Http1Connection): void {
    let list = this.#idle.get(conn.key);
    if (list === undefined) {
      list = [];
      this.#idle.set(conn.key, list);
    }
    if (list.length >= this.#maxIdle || conn.closed) {
      conn.close();
      return;
    }
    conn.park(this, Date.now());
    list.push(conn);
    this.#count++;
    const every = sweepInterval(conn.idleTimeoutMs ?? this.#idleTimeoutMs);
    if (this.#timer === undefined || every < this.#every) this.#startSweeper(every);
  }

  /** Drops a parked connection that the upstream closed. */
  discard(conn: Http1Connection): void {
    const list = this.#idle.get(conn.key);
    if (list === undefined) return;
    const i = list.indexOf(conn);
    if (i >= 0) {
      list.splice(i, 1);
      this.#count--;
    }
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.#idle.values()) {
      for (const conn of list) conn.close();
    }
    this.#idle.clear();
    this.#count = 0;
    this.#stopSweeper();
  }

  #startSweeper(every: number): void {
    this.#stopSweeper();
    this.#every = every;
    const timer = setInterval(() => this.#sweep(), every);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #stopSweeper(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#every = Infinity;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, list] of this.#idle) {
      // Parked in order, so the stale ones are at the bottom of the stack (an endpoint's connections normally
      // share one idle timeout: the cluster's).
      let n = 0;
      while (n < list.length && list[n].idleSince + (list[n].idleTimeoutMs ?? this.#idleTimeoutMs) <= now) {
        list[n++].close();
      }
      if (n > 0) {
        list.splice(0, n);
        this.#count -= n;
      }
      if (list.length === 0) this.#idle.delete(key);
    }
    if (this.#count === 0) this.#stopSweeper();
  }
}

/** How often to look for connections idle longer than `timeoutMs`. */
function sweepInterval(timeoutMs: number): number {
  return Math.max(10, Math.min(1000, timeoutMs / 4));
}
