/**
 * One writer per destination path, shared by every access log that writes there (as Envoy's access-log
 * manager shares files), kept across config changes while some log still uses it.
 * @module
 */
import { BufferedLogWriter, type ByteSink, openPathSink, type WriterOptions } from "./writer.ts";

/** Writers by path. */
export class WriterPool {
  readonly #writers = new Map<string, BufferedLogWriter>();
  readonly #options: WriterOptions;
  readonly #open: (path: string) => Promise<ByteSink>;

  /** `open` defaults to {@link openPathSink}; tests pass their own. */
  constructor(options: WriterOptions = {}, open: (path: string) => Promise<ByteSink> = openPathSink) {
    this.#options = options;
    this.#open = open;
  }

  /** The writer of `path`, created on first use. */
  get(path: string): BufferedLogWriter {
    let w = this.#writers.get(path);
    if (!w) {
      w = new BufferedLogWriter(() => this.#open(path), this.#options);
      this.#writers.set(path, w);
    }
    return w;
  }

  /** Paths with an open writer. */
  paths(): string[] {
    return [...this.#writers.keys()];
  }

  /** Closes (after flushing) the writers of paths not in `keep`. */
  async retain(keep: Iterable<string>): Promise<void> {
    const wanted = new Set(keep);
    const closing: Promise<void>[] = [];
    for (const [path, w] of this.#writers) {
      if (wanted.has(path)) continue;
      this.#writers.delete(path);
      closing.push(w.close());
    }
    await Promise.all(closing);
  }

  /** Flushes every writer. */
  async flush(): Promise<void> {
    await Promise.all([...this.#writers.values()].map((w) => w.flush()));
  }

  /** Flushes and closes every writer. */
  async close(): Promise<void> {
    await this.retain([]);
  }
}
