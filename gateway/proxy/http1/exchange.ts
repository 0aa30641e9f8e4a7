/**
 * One request/response exchange on an HTTP/1.1 connection: the head is written, the request body is piped
 * to the socket as it arrives while the response head is read (interim 1xx skipped), and the response body
 * is a pull-based stream that reads the socket only when its consumer reads. The connection goes back to the
 * pool only when both messages are complete and neither side asked to close.
 * @module
 */
import { HeaderList, isHeaderName, isHeaderValue } from "../header_list.ts";
import { UpstreamError, type UpstreamRequest, type UpstreamResponse } from "../upstream.ts";
import { BodyReadAhead, concatChunks } from "./body_read_ahead.ts";
import type { Http1Connection } from "./connection.ts";
import type { ConnectionPool } from "./pool.ts";
import {
  ChunkedEncoder,
  encodeRequestHead,
  REQUEST_BODY_LENGTH,
  REQUEST_BODY_NONE,
  type RequestFraming,
} from "./request_writer.ts";
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
} from "./response_parser.ts";

/** What an exchange needs from its client. */
export interface ExchangeHost {
  /** Where finished connections are parked for reuse. */
  readonly pool: ConnectionPool;
  /** Opens a new connection; rejects with an {@linkcode UpstreamError}. */
  connect(req: UpstreamRequest, key: string): Promise<Http1Connection>;
}

/** The request body stream failed or did not match its `content-length`: the downstream side's fault. */
class RequestBodyError extends Error {}

/** A request head and whole body up to this size go out in one write. */
const WHOLE_WRITE_MAX = 64 * 1024;
/** A body up to this size that arrived with its head is handed over as bytes rather than streamed. */
const BUFFERED_BODY_MAX = 16 * 1024;
/** Largest read straight into a fresh chunk buffer (bytes the consumer gets without a copy). */
const DIRECT_READ = 64 * 1024;
/** Body bytes still expected at or above this size are read straight into a fresh chunk buffer. */
const DIRECT_MIN = 8 * 1024;
/** Smaller direct reads are copied out so a mostly empty 64 KiB buffer is not held by the consumer. */
const COPY_BELOW = 16 * 1024;

/**
 * A request in flight. It is also the response body's underlying source and the abort listener, so a request
 * costs one object rather than a handful of closures.
 */
export class Exchange implements RequestFraming, UnderlyingDefaultSource<Uint8Array> {
  /** Request body framing chosen by the head encoder. */
  framing: number = REQUEST_BODY_NONE;
  /** Request body length for `content-length` framing. */
  contentLength = 0;
  /** The request carries `connection: close`. */
  closeAfter = false;

  readonly #host: ExchangeHost;
  readonly #req: UpstreamRequest;
  #conn: Http1Connection | null = null;
  #aborted = false;
  #finished = false;
  #localError: unknown = null;
  #gotBytes = false;
  #writeDone = false;
  #writeFailed = false;
  #bodyTouched = false;
  #bodyReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #keepAlive = true;
  #bodyFraming = BODY_NONE;
  #remaining = 0;
  #decoder: ChunkedDecoder | null = null;
  #spare: Uint8Array | null = null;
  #onDone: (() => void) | null = null;

  /** Prepares the exchange of `req`; {@linkcode run} sends it. */
  constructor(host: ExchangeHost, req: UpstreamRequest) {
    this.#host = host;
    this.#req = req;
  }

  /** Sends the request; resolves when the final response head has arrived. */
  async run(): Promise<UpstreamResponse> {
    const req = this.#req;
    const signal = req.signal;
    if (signal !== undefined) {
      if (signal.aborted) throw new UpstreamError("local_reset", "request aborted before it was sent");
      signal.addEventListener("abort", this);
    }
    const key = `${req.address}:${req.port}`;
    let conn = this.#host.pool.take(key);
    try {
      for (let attempt = 0;; attempt++) {
        if (conn === undefined) conn = await this.#host.connect(req, key);
        if (this.#aborted) {
          conn.close();
          throw new UpstreamError("local_reset", "request aborted");
        }
        this.#conn = conn;
        try {
          return await this.#attempt(conn);
        } catch (e) {
          // A pooled connection the upstream closed just as it was picked: try once more on a fresh one.
          if (
            attempt === 0 && conn.exchanges > 0 && !this.#gotBytes && !this.#bodyTouched &&
            !this.#aborted && this.#localError === null && !(e instanceof ProtocolError)
          ) {
            this.#conn = null;
            conn.close();
            conn = undefined;
            this.#writeDone = this.#writeFailed = false;
            continue;
          }
          throw e;
        }
      }
    } catch (e) {
      const err = this.#toUpstreamError(e);
      this.#fail();
      throw err;
    }
  }

  async #attempt(conn: Http1Connection): Promise<UpstreamResponse> {
    const req = this.#req;
    const head = encodeRequestHead(req.method, req.path, req.headers, req.body !== null, this, conn.scratch);
    let writeError: unknown = null;
    const whole = req.body instanceof Uint8Array && this.framing === REQUEST_BODY_LENGTH ? req.body : null;
    try {
      if (whole === null) await conn.writeAll(head);
      else await this.#writeWhole(conn, head, whole);
    } catch (e) {
      if (e instanceof RequestBodyError) throw e;
      // The upstream may have answered (and closed) before reading the request: look for a response first.
      writeError = e;
      this.#writeFailed = true;
    }
    if (writeError === null) {
      if (this.framing === REQUEST_BODY_NONE || whole !== null) this.#writeDone = true;
      else this.#pump(conn);
    }
    let scanned = 0;
    for (;;) {
      const headEnd = conn.end - conn.start > scanned
        ? findHeadEnd(conn.buf, conn.start + Math.max(0, scanned - 3), conn.end)
        : -1;
      if (headEnd < 0) {
        scanned = conn.end - conn.start;
        let n: number | null;
        try {
          n = await conn.fill();
        } catch (e) {
          if (e instanceof RangeError) throw new ProtocolError("Response head too large");
          throw writeError ?? e;
        }
        if (n === null) {
          throw writeError ?? new UpstreamError(
            "remote_reset",
            this.#gotBytes || conn.buffered > 0
              ? "upstream closed the connection in the middle of the response head"
              : "upstream closed the connection before responding",
          );
        }
        if (n > 0) this.#gotBytes = true;
        continue;
      }
      const parsed = parseResponseHead(conn.buf, conn.start, headEnd);
      conn.start = headEnd;
      scanned = 0;
      if (parsed.status < 200 && parsed.status !== 101) continue; // interim response
      return this.#respond(parsed);
    }
  }

  #respond(head: ResponseHead): UpstreamResponse {
    const framing = responseFraming(head, this.#req.method);
    this.#keepAlive = head.keepAlive && framing !== BODY_UNTIL_CLOSE;
    const raw = head.rawHeaders;
    const fields: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i], value = raw[i + 1];
      if (!isHeaderName(name)) throw new ProtocolError(`Invalid response header name: "${name}"`);
      if (!isHeaderValue(value)) throw new ProtocolError(`Invalid response header value for "${name}"`);
      fields[i] = name.toLowerCase();
      fields[i + 1] = value;
    }
    const headers = new HeaderList(fields);
    let body: ReadableStream<Uint8Array> | null = null;
    if (framing === BODY_NONE) {
      this.#readComplete();
    } else if (
      framing === BODY_LENGTH && head.contentLength <= BUFFERED_BODY_MAX &&
      this.#conn!.end - this.#conn!.start >= head.contentLength
    ) {
      // The whole body came with the head: the exchange is over, and the consumer may take the bytes as they are.
      const conn = this.#conn!;
      const bytes = conn.buf.slice(conn.start, conn.start + head.contentLength);
      conn.start += head.contentLength;
      this.#readComplete();
      return new BufferedResponse(head.status, headers, bytes);
    } else {
      this.#bodyFraming = framing;
      this.#remaining = head.contentLength;
      if (framing === BODY_CHUNKED) this.#decoder = new ChunkedDecoder();
      body = new ReadableStream<Uint8Array>(this, { highWaterMark: 0 });
    }
    return { status: head.status, headers, body, whenDone: (callback) => this.#whenDone(callback) };
  }

  #whenDone(callback: () => void): void {
    if (this.#finished) callback();
    else this.#onDone = callback;
  }

  #done(): void {
    const callback = this.#onDone;
    if (callback !== null) {
      this.#onDone = null;
      callback();
    }
  }

  /** Writes the head and a body given whole, in one write when small. */
  async #writeWhole(conn: Http1Connection, head: Uint8Array, body: Uint8Array): Promise<void> {
    if (body.length !== this.contentLength) {
      this.#localError = new RequestBodyError("Request body length differs from its content-length");
      conn.close();
      throw this.#localError;
    }
    if (head.length + body.length > WHOLE_WRITE_MAX) {
      await conn.writeAll(head);
      await conn.writeAll(body);
      return;
    }
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    await conn.writeAll(out);
  }

  /** Pipes the request body to the socket, one chunk at a time (the socket's pace is the body's pace). */
  async #pump(conn: Http1Connection): Promise<void> {
    const given = this.#req.body;
    const body = given instanceof Uint8Array ? bytesStream(given) : given;
    let writing = false;
    try {
      if (body === null) {
        // `transfer-encoding: chunked` given without a body: send the last chunk.
        writing = true;
        await conn.writeAll(new ChunkedEncoder().end());
      } else {
        this.#bodyTouched = true;
        const reader = body.getReader();
        this.#bodyReader = reader;
        const ahead = new BodyReadAhead(reader);
        if (this.framing === REQUEST_BODY_LENGTH) {
          let left = this.contentLength;
          while (left > 0) {
            const batch = await ahead.next();
            if (batch === null) throw new RequestBodyError("Request body ended before its content-length");
            const data = concatChunks(batch);
            if (data.length > left) {
              throw new RequestBodyError("Request body is longer than its content-length");
            }
            left -= data.length;
            writing = true;
            await conn.writeAll(data);
            writing = false;
          }
          // The message is complete on the wire; the end of the stream is not waited for.
          this.#bodyReader = null;
        } else {
          const encoder = new ChunkedEncoder();
          for (let batch = await ahead.next(); batch !== null; batch = await ahead.next()) {
            const data = concatChunks(batch);
            writing = true;
            await conn.writeAll(encoder.frame(data));
            if (!encoder.includesData) await conn.writeAll(data);
            writing = false;
          }
          this.#bodyReader = null;
          writing = true;
          await conn.writeAll(encoder.end());
        }
      }
      if (this.#conn === conn) this.#writeDone = true;
    } catch (e) {
      if (this.#conn !== conn || this.#finished) return;
      if (writing) {
        // The upstream stopped reading; whatever it answers is still read, the connection is not reused.
        this.#writeFailed = true;
        this.#cancelRequestBody();
      } else {
        // The downstream body failed: the request cannot complete, so the exchange is reset.
        this.#localError = e;
        conn.close();
      }
    }
  }

  /** Response body source: reads from the socket only when the consumer asks for more. */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const conn = this.#conn!;
    try {
      for (;;) {
        if (conn.start < conn.end && this.#emitBuffered(conn, controller)) return;
        const want = this.#directWant();
        if (want >= DIRECT_MIN && conn.start === conn.end && !conn.hasIdleRead) {
          const chunk = this.#spare ?? new Uint8Array(DIRECT_READ);
          this.#spare = null;
          const n = await conn.socket.read(want < chunk.length ? chunk.subarray(0, want) : chunk);
          if (n === null) {
            this.#spare = chunk;
            this.#onEof(controller);
            return;
          }
          if (n === 0) {
            this.#spare = chunk;
            continue;
          }
          if (this.#bodyFraming === BODY_LENGTH) this.#remaining -= n;
          else if (this.#bodyFraming === BODY_CHUNKED) this.#decoder!.consumeData(n);
          if (n < COPY_BELOW) {
            controller.enqueue(chunk.slice(0, n));
            this.#spare = chunk;
          } else {
            controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
          }
          if (this.#bodyFraming === BODY_LENGTH && this.#remaining === 0) this.#bodyComplete(controller);
          return;
        }
        const n = await conn.fill();
        if (n === null) {
          this.#onEof(controller);
          return;
        }
      }
    } catch (e) {
      const err = this.#toUpstreamError(e);
      this.#fail();
      throw err;
    }
  }

  /** Response body source: the consumer gave up on the body; the connection cannot be reused. */
  cancel(): void {
    this.#keepAlive = false;
    this.#fail();
  }

  /** Abort listener: closes the socket, so pending reads and writes fail as a local reset. */
  handleEvent(): void {
    if (this.#finished) return;
    this.#aborted = true;
    this.#fail();
  }

  /** Moves buffered body bytes to the consumer; returns whether it enqueued something or the body ended. */
  #emitBuffered(conn: Http1Connection, controller: ReadableStreamDefaultController<Uint8Array>): boolean {
    const buf = conn.buf;
    switch (this.#bodyFraming) {
      case BODY_LENGTH: {
        const n = Math.min(conn.end - conn.start, this.#remaining);
        controller.enqueue(buf.slice(conn.start, conn.start + n));
        conn.start += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#bodyComplete(controller);
        return true;
      }
      case BODY_CHUNKED: {
        const decoder = this.#decoder!;
        conn.start = decoder.decode(buf, conn.start, conn.end);
        const spans = decoder.spans;
        if (spans.length === 2) {
          controller.enqueue(buf.slice(spans[0], spans[1]));
        } else if (spans.length > 2) {
          let total = 0;
          for (let i = 0; i < spans.length; i += 2) total += spans[i + 1] - spans[i];
          const out = new Uint8Array(total);
          let at = 0;
          for (let i = 0; i < spans.length; i += 2) {
            out.set(buf.subarray(spans[i], spans[i + 1]), at);
            at += spans[i + 1] - spans[i];
          }
          controller.enqueue(out);
        }
        if (decoder.done) {
          this.#bodyComplete(controller);
          return true;
        }
        return spans.length > 0;
      }
      default: {
        controller.enqueue(buf.slice(conn.start, conn.end));
        conn.start = conn.end;
        return true;
      }
    }
  }

  /** Bytes that can be read straight into a chunk for the consumer, 0 when framing bytes come next. */
  #directWant(): number {
    switch (this.#bodyFraming) {
      case BODY_LENGTH:
        return Math.min(this.#remaining, DIRECT_READ);
      case BODY_CHUNKED:
        return this.#decoder!.inData ? Math.min(this.#decoder!.remaining, DIRECT_READ) : 0;
      default:
        return DIRECT_READ;
    }
  }

  #onEof(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.#bodyFraming !== BODY_UNTIL_CLOSE) {
      throw new UpstreamError(
        "remote_reset",
        "upstream closed the connection before the response body was complete",
      );
    }
    this.#bodyComplete(controller);
  }

  #bodyComplete(controller: ReadableStreamDefaultController<Uint8Array>): void {
    controller.close();
    this.#readComplete();
  }

  /** The response is complete: reuse the connection if the request is complete too, otherwise close it. */
  #readComplete(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#req.signal?.removeEventListener("abort", this);
    const conn = this.#conn!;
    conn.exchanges++;
    if (
      this.#writeDone && !this.#writeFailed && this.#keepAlive && !this.closeAfter &&
      conn.start === conn.end &&
      !conn.closed
    ) {
      conn.idleTimeoutMs = this.#req.idleTimeoutMs;
      this.#host.pool.put(conn);
    } else {
      // A response that completes before its request (RFC 9112 §9.6): stop sending and close.
      conn.close();
      this.#cancelRequestBody();
    }
    this.#done();
  }

  /** Ends the exchange without reuse: closes the socket and releases the request body. */
  #fail(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#req.signal?.removeEventListener("abort", this);
    this.#conn?.close();
    this.#cancelRequestBody();
    this.#done();
  }

  #cancelRequestBody(): void {
    const reader = this.#bodyReader;
    if (reader === null) return;
    this.#bodyReader = null;
    reader.cancel().catch(ignore);
  }

  #toUpstreamError(e: unknown): UpstreamError {
    if (this.#aborted) return new UpstreamError("local_reset", "request aborted");
    if (this.#localError !== null) {
      return new UpstreamError("local_reset", `request body failed: ${describe(this.#localError)}`);
    }
    if (e instanceof UpstreamError) return e;
    if (e instanceof ProtocolError) return new UpstreamError("protocol_error", e.message);
    return new UpstreamError("remote_reset", describe(e));
  }
}

/** A response whose body arrived whole with its head: `body` streams {@linkcode bodyBytes}, made on demand. */
class BufferedResponse implements UpstreamResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly bodyBytes: Uint8Array;
  #body: ReadableStream<Uint8Array> | null = null;

  constructor(status: number, headers: HeaderList, bytes: Uint8Array) {
    this.status = status;
    this.headers = headers;
    this.bodyBytes = bytes;
  }

  get body(): ReadableStream<Uint8Array> {
    if (this.#body === null) {
      const bytes = this.bodyBytes;
      this.#body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    }
    return this.#body;
  }

  whenDone(callback: () => void): void {
    callback();
  }
}

/** A one-chunk stream of `bytes` (a whole body sent with chunked framing). */
function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

function ignore(): void {}
