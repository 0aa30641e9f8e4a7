/**
 * Test helpers for real sockets on 127.0.0.1: free ports, upstream servers, polling.
 * @module
 */
import { requestFields } from "../../gateway/proxy/request_fields.ts";

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A running test upstream. */
export interface TestUpstream {
  readonly port: number;
  /** Requests received, in order. */
  readonly requests: { method: string; path: string; headers: Headers; fields: string[] }[];
  /** Graceful stop: in-flight requests finish. */
  close(): Promise<void>;
  /** Abrupt stop: the listener and every open connection are closed at once. */
  kill(): Promise<void>;
}

/** Starts an upstream on 127.0.0.1 answering with `name` (or a custom handler). */
export function startUpstream(
  name: string,
  handler?: (req: Request) => Response | Promise<Response>,
): TestUpstream {
  const requests: TestUpstream["requests"] = [];
  const abort = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const fields = requestFields(req);
      requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, fields });
      if (handler) return await handler(req);
      await req.body?.cancel();
      return new Response(name, { headers: { "x-upstream": name } });
    },
  );
  return {
    port: server.addr.port,
    requests,
    close: () => server.shutdown(),
    kill: () => {
      abort.abort();
      return server.finished;
    },
  };
}

/** Retries `probe` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

/** A fetch client that sends the Host header given (plain fetch drops it). */
const CLIENT = Deno.createHttpClient({ allowHost: true });

/** GET (or any method) and read the body as text; a `host` header is sent as given. */
export async function fetchText(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, {
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
    client: CLIENT,
    ...init,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/**
 * Sends `text` as it is over a new connection to 127.0.0.1:`port` and returns everything read until the peer
 * closes (send `Connection: close`): for requests `fetch` would rewrite.
 */
export async function rawExchange(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(text));
    const decoder = new TextDecoder();
    const buf = new Uint8Array(8192);
    let answer = "";
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      answer += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    return answer;
  } finally {
    conn.close();
  }
}

/** A request whose fields come out of order and with a repeat, as `fetch` cannot send them. */
export const DUPLICATES_REQUEST =
  "GET /x HTTP/1.1\r\nHost: a\r\nZ-Last: 1\r\nX-Dup: one\r\nA-First: 2\r\nX-Dup: two\r\nConnection: close\r\n\r\n";
