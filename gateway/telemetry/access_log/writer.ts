/**
 * Access-log writers that never block a request: lines are appended to an in-memory buffer, written out
 * asynchronously when the flush timer fires (Envoy's `file_flush_interval`, 1 s by default), when the buffer
 * passes the flush size (64 KiB, Envoy's minimum flush size), and on close. When the destination cannot keep
 * up, the buffer is bounded and further lines are dropped and counted.
 * @module
 */

/** Where bytes go: a file opened for appending, or the process's stdout/stderr. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** Tuning of a {@link BufferedLogWriter}. */
export interface WriterOptions {
  /** Flush at most this long after a line is buffered. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many bytes (UTF-16 code units) are buffered. @default 65536 */
  readonly flushBytes?: number;
  /** Drop lines while this many bytes wait to be written. @default 8388608 */
  readonly maxBufferBytes?: number;
}

const encoder = new TextEncoder();

/** Opens the sink of a path: `/dev/stdout` and `/dev/stderr` are the process streams, anything else a file. */
export async function openPathSink(path: string): Promise<ByteSink> {
  if (path === "/dev/stdout") return { write: (b) => Deno.stdout.write(b), close: () => {} };
  if (path === "/dev/stderr") return { write: (b) => Deno.stderr.write(b), close: () => {} };
  const file = await Deno.open(path, { append: true, create: true });
  return { write: (b) => file.write(b), close: () => file.close() };
}

/** Buffers lines for one destination and writes them out in the background. */
export class BufferedLogWriter {
  readonly #open: () => Promise<ByteSink>;
  readonly #flushIntervalMs: number;
  readonly #flushBytes: number;
  readonly #maxBufferBytes: number;
  #sink?: Promise<ByteSink | undefined>;
  #lines: string[] = [];
  #bufferedBytes = 0;
  #inFlightBytes = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #dropped = 0;
  #errors = 0;

  constructor(open: () => Promise<ByteSink>, options: WriterOptions = {}) {
    this.#open = open;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#flushBytes = options.flushBytes ?? 65_536;
    this.#maxBufferBytes = options.maxBufferBytes ?? 8 * 1024 * 1024;
  }

  /** Lines dropped because the buffer was full, the sink failed, or the writer was closed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Failed opens and writes. */
  get errors(): number {
    return this.#errors;
  }

  /** Queues one line (which carries its own newline). Never blocks. */
  write(line: string): void {
    if (this.#closed || this.#bufferedBytes + this.#inFlightBytes + line.length > this.#maxBufferBytes) {
      this.#dropped++;
      return;
    }
    this.#lines.push(line);
    this.#bufferedBytes += line.length;
    if (this.#bufferedBytes >= this.#flushBytes) {
      void this.flush();
    } else if (this.#timer === undefined) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushIntervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Writes out everything buffered so far; resolves once it is written (or dropped on error). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#lines.length === 0) return this.#chain;
    const text = this.#lines.join("");
    const count = this.#lines.length;
    this.#lines = [];
    this.#inFlightBytes += this.#bufferedBytes;
    const size = this.#bufferedBytes;
    this.#bufferedBytes = 0;
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#writeAll(encoder.encode(text), count);
      } finally {
        this.#inFlightBytes -= size;
      }
    });
    return this.#chain;
  }

  /** Flushes, then closes the destination; later lines are dropped. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const sink = await this.#sink;
    sink?.close();
  }

  async #writeAll(bytes: Uint8Array, lines: number): Promise<void> {
    const sink = await (this.#sink ??= this.#open().catch((e) => {
      this.#errors++;
      console.error(`access log: cannot open: ${e instanceof Error ? e.message : e}`);
      return undefined;
    }));
    if (!sink) {
      this.#dropped += lines;
      return;
    }
    try {
      let offset = 0;
      while (offset < bytes.length) offset += await sink.write(bytes.subarray(offset));
    } catch (e) {
      this.#errors++;
      this.#dropped += lines;
      if (this.#errors === 1) {
        console.error(`access log: write failed: ${e instanceof Error ? e.message : e}`);
      }
    }
  }
}
