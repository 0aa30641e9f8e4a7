/**
 * Sends finished spans in batches without ever holding up a request: spans wait in a bounded queue (when it is
 * full new spans are dropped and counted), a batch goes out once `minFlush` spans wait or `flushIntervalMs`
 * after the first one (Envoy's `min_flush_spans` 5 and `flush_interval_ms` 5000), one export at a time, each
 * bounded by the provider's timeout and never retried. `close` sends what is left, bounded by one timeout.
 * @module
 */
import type { FinishedSpan } from "./span.ts";

/** One export request to the collector. */
export interface ExportRequest {
  /** The gateway cluster of the collector (`outbound|PORT||HOST`). */
  readonly cluster: string;
  readonly authority: string;
  readonly path: string;
  /** `content-type` and the provider's headers. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  /** Aborted when the export times out or the exporter closes. */
  readonly signal: AbortSignal;
}

/** Sends one export request; resolves with the HTTP status, rejects when no response came. */
export type SpanTransport = (request: ExportRequest) => Promise<number>;

/** A batch turned into a request body. */
export interface EncodedBatch {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** Timers, replaceable by a fake clock in tests. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(id: unknown): void;
}

/** The system timers; they do not keep the process alive. */
export const SYSTEM_TIMERS: Timers = {
  set(callback, ms) {
    const id = setTimeout(callback, ms);
    Deno.unrefTimer(id);
    return id;
  },
  clear: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** Options of a {@link BatchSpanExporter}. */
export interface ExporterOptions {
  readonly cluster: string;
  readonly authority: string;
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly timeoutMs: number;
  readonly encode: (spans: readonly FinishedSpan[]) => EncodedBatch;
  readonly transport: SpanTransport;
  /** Most spans waiting; more are dropped. @default 2048 */
  readonly maxQueue?: number;
  /** Most spans in one request. @default 512 */
  readonly maxBatch?: number;
  /** Send as soon as this many spans wait. @default 5 */
  readonly minFlush?: number;
  /** Send at most this long after a span is queued. @default 5000 */
  readonly flushIntervalMs?: number;
  readonly timers?: Timers;
}

/** Counters of an exporter. */
export interface ExporterStats {
  /** Spans the collector accepted (2xx). */
  readonly sent: number;
  /** Spans dropped because the queue was full or the exporter closed. */
  readonly dropped: number;
  /** Spans whose export failed (error status, no response, timeout). */
  readonly failed: number;
  /** Export requests made. */
  readonly requests: number;
}

/** A bounded, batching, non-blocking span exporter. */
export class BatchSpanExporter {
  readonly #o: ExporterOptions;
  readonly #timers: Timers;
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  readonly #minFlush: number;
  #queue: FinishedSpan[] = [];
  #timer?: unknown;
  #inFlight?: Promise<void>;
  #abort = new AbortController();
  #closed = false;
  #sent = 0;
  #dropped = 0;
  #failed = 0;
  #requests = 0;
  #lastError?: string;

  constructor(options: ExporterOptions) {
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#maxQueue = options.maxQueue ?? 2048;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#minFlush = options.minFlush ?? 5;
  }

  /** The counters so far. */
  get stats(): ExporterStats {
    return { sent: this.#sent, dropped: this.#dropped, failed: this.#failed, requests: this.#requests };
  }

  /** Why the last export failed, if one did. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Spans waiting to be sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a span. Never blocks; drops (and counts) it when the queue is full or the exporter closed. */
  add(span: FinishedSpan): void {
    if (this.#closed || this.#queue.length >= this.#maxQueue) {
      this.#dropped++;
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= this.#minFlush) this.#pump();
    else this.#arm();
  }

  /** Sends everything queued now; resolves once the queue is empty and no export is in flight. */
  async flush(): Promise<void> {
    // Each round sends one batch or waits for one; the queue only shrinks meanwhile unless spans keep coming.
    for (let rounds = 0; rounds < 2 + Math.ceil(this.#maxQueue / this.#maxBatch) * 2; rounds++) {
      if (this.#inFlight) await this.#inFlight;
      else if (this.#queue.length > 0) this.#pump(true);
      else return;
    }
  }

  /** Stops accepting spans and sends what is queued, waiting at most one export timeout. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => (timer = this.#timers.set(resolve, this.#o.timeoutMs)));
    await Promise.race([this.flush(), deadline]);
    if (timer !== undefined) this.#timers.clear(timer);
    this.#disarm();
    this.#abort.abort();
    this.#dropped += this.#queue.length;
    this.#queue = [];
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#inFlight) return;
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      this.#pump(true);
    }, this.#o.flushIntervalMs ?? 5000);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
  }

  /** Starts an export of the next batch unless one is in flight; `any`: even below `minFlush`. */
  #pump(any = false): void {
    if (this.#inFlight || this.#queue.length === 0 || (!any && this.#queue.length < this.#minFlush)) return;
    this.#disarm();
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#inFlight = this.#send(batch).finally(() => {
      this.#inFlight = undefined;
      if (this.#queue.length >= this.#minFlush) this.#pump();
      else if (this.#queue.length > 0 && !this.#closed) this.#arm();
    });
  }

  async #send(batch: FinishedSpan[]): Promise<void> {
    this.#requests++;
    const abort = new AbortController();
    const onClose = () => abort.abort();
    this.#abort.signal.addEventListener("abort", onClose, { once: true });
    let timer: unknown;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.#timers.set(() => {
        reject(new Error(`export timed out after ${this.#o.timeoutMs} ms`));
        abort.abort();
      }, this.#o.timeoutMs);
    });
    try {
      const encoded = this.#o.encode(batch);
      const sending = this.#o.transport({
        cluster: this.#o.cluster,
        authority: this.#o.authority,
        path: this.#o.path,
        headers: [["content-type", encoded.contentType], ...this.#o.headers],
        body: encoded.body,
        signal: abort.signal,
      });
      sending.catch(() => {}); // a late failure after the timeout is already counted
      const status = await Promise.race([sending, timedOut]);
      if (status >= 200 && status < 300) this.#sent += batch.length;
      else this.#fail(batch.length, `collector answered ${status}`);
    } catch (e) {
      this.#fail(batch.length, e instanceof Error ? e.message : String(e));
    } finally {
      if (timer !== undefined) this.#timers.clear(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    }
  }

  #fail(spans: number, error: string): void {
    this.#failed += spans;
    this.#lastError = error;
  }
}
