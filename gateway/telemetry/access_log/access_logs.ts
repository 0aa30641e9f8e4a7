/**
 * The gateway's access logs: each resolved sink compiled once (filter, formatter, shared writer), then every
 * finished request offered to each.
 * @module
 */
import { type CelExpression, compileCel, RecordActivation } from "../cel/mod.ts";
import type { CelMap } from "../cel/values.ts";
import type { RequestRecord } from "../request_record.ts";
import type { AccessLogSink } from "../resolve/settings.ts";
import { compileLogFormat, type LineFormatter, type OperatorContext } from "./formatter.ts";
import type { BufferedLogWriter } from "./writer.ts";
import type { WriterPool } from "./writer_pool.ts";

interface CompiledLog {
  /** undefined: log everything; null: the filter does not compile, log nothing. */
  readonly filter: CelExpression | undefined | null;
  readonly format: LineFormatter;
  readonly writer: BufferedLogWriter;
}

/** A set of compiled access logs. */
export class AccessLogs {
  readonly #logs: readonly CompiledLog[];
  readonly #node: CelMap;
  /** Problems found while compiling (filters that do not compile). */
  readonly warnings: readonly string[];
  /** The destination paths in use. */
  readonly paths: readonly string[];

  /** Compiles `sinks`, taking their writers from `pool`. */
  constructor(sinks: readonly AccessLogSink[], pool: WriterPool, ctx: OperatorContext) {
    const warnings: string[] = [];
    this.#node = ctx.node;
    this.#logs = sinks.map((sink) => {
      let filter: CelExpression | undefined | null;
      if (sink.filter !== undefined) {
        const compiled = compileCel(sink.filter);
        if ("error" in compiled) {
          warnings.push(
            `access log filter ${
              JSON.stringify(sink.filter)
            } of provider "${sink.provider}" is not supported ` +
              `(${compiled.error}); nothing is logged through it`,
          );
          filter = null;
        } else {
          filter = compiled;
        }
      }
      return {
        filter,
        format: compileLogFormat(sink.format, ctx, sink.omitEmptyValues),
        writer: pool.get(sink.path),
      };
    });
    this.warnings = warnings;
    this.paths = [...new Set(sinks.map((s) => s.path))];
  }

  /** True when no request is logged. */
  get empty(): boolean {
    return this.#logs.length === 0;
  }

  /** Formats and queues `rec` for every log whose filter accepts it. */
  log(rec: RequestRecord): void {
    let activation: RecordActivation | undefined;
    for (const l of this.#logs) {
      if (l.filter === null) continue;
      if (l.filter !== undefined) {
        activation ??= new RecordActivation(rec, this.#node);
        if (l.filter.evaluate(activation) !== true) continue;
      }
      l.writer.write(l.format(rec));
    }
  }
}
