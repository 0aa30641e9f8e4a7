/**
 * Test upstreams on 127.0.0.1 for the HTTP/1.1 client: a raw TCP server scripted per connection (for edge
 * cases no real server produces) and a `Deno.serve` upstream that counts the connections it sees.
 * @module
 */
import type { UpstreamRequest } from "../../../gateway/proxy/upstream.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** One accepted connection of a {@linkcode RawServer}, with buffered reads. */
export class RawConn {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(0);
  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  async #more(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.conn.read(chunk).catch(() => null);
    if (n === null) return false;
    const merged = new Uint8Array(this.#buf.length + n);
    merged.set(this.#buf);
    merged.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = merged;
    return true;
  }

  /** Reads up to and including `marker`; null at EOF. */
  async readUntil(marker: string): Promise<string | null> {
    for (;;) {
      const text = dec.decode(this.#buf);
      const i = text.indexOf(marker);
      if (i >= 0) {
        this.#buf = this.#buf.subarray(i + marker.length);
        return text.slice(0, i + marker.length);
      }
      if (!(await this.#more())) return null;
    }
  }

  /** Reads a request head (through the blank line); null at EOF. */
  readHead(): Promise<string | null> {
    return this.readUntil("\r\n\r\n");
  }

  /** Reads exactly `n` bytes as text; null at EOF. */
  async readBytes(n: number): Promise<string | null> {
    while (this.#buf.length < n) if (!(await this.#more())) return null;
    const text = dec.decode(this.#buf.subarray(0, n));
    this.#buf = this.#buf.subarray(n);
    return text;
  }

  /** Writes text (latin1) or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? enc.encode(data) : data;
    while (bytes.length > 0) bytes = bytes.subarray(await this.conn.write(bytes));
  }

  /** Resolves once the peer closes the connection (bytes still arriving are discarded). */
  async waitClosed(): Promise<void> {
    while (await this.#more()) this.#buf = new Uint8Array(0);
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/** A raw TCP upstream. */
export interface RawServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Starts a raw TCP server; `onConn` scripts each connection (index counts from 0). */
export function rawServer(onConn: (conn: RawConn, index: number) => Promise<void>): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<RawConn>();
  const running: Promise<void>[] = [];
  let count = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      const raw = new RawConn(conn);
      open.add(raw);
      running.push(
        onConn(raw, count++).catch(() => {}).finally(() => {
          raw.close();
          open.delete(raw);
        }),
      );
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => count,
    async close() {
      listener.close();
      for (const raw of open) raw.close();
      await loop;
      await Promise.all(running);
    },
  };
}

/** A `Deno.serve` upstream that counts the connections its requests arrived on. */
export interface ServeUpstream {
  readonly port: number;
  /** Distinct client ports seen. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Starts a `Deno.serve` upstream on 127.0.0.1. */
export function serveUpstream(handler: (req: Request) => Response | Promise<Response>): ServeUpstream {
  const ports = new Set<number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
    ports.add((info.remoteAddr as Deno.NetAddr).port);
    return handler(req);
  });
  return { port: server.addr.port, connections: () => ports.size, close: () => server.shutdown() };
}

/** A request to 127.0.0.1:`port`. */
export function get(port: number, path = "/", init: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    address: "127.0.0.1",
    port,
    method: "GET",
    path,
    headers: HeaderList.from({ host: "upstream.test" }),
    body: null,
    ...init,
  };
}

/** A stream of `text` split into the given pieces. */
export function streamOf(...pieces: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

/** Lets pending socket operations settle (so the leak sanitizers see them finish). */
export function settle(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A `Deno.serve` upstream in a child process (see `_upstream_process.ts`). */
export interface UpstreamProcess {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts `_upstream_process.ts` and waits for its port. */
export async function spawnUpstream(): Promise<UpstreamProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", new URL("./_upstream_process.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("upstream process exited");
    out += r.value;
  }
  reader.releaseLock();
  return {
    port: Number(out.trim()),
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}
