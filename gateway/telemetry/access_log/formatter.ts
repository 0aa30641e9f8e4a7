/**
 * The line formatter of an access-log sink: its text or JSON format compiled once.
 * @module
 */
import type { LogFormat } from "../resolve/settings.ts";
import { compileJsonFormat } from "./json_format.ts";
import type { OperatorContext } from "./operators.ts";
import { compileTextFormat, type LineFormatter } from "./text_format.ts";

export type { LineFormatter } from "./text_format.ts";
export type { OperatorContext } from "./operators.ts";

/** Compiles a log format into a line formatter. */
export function compileLogFormat(
  format: LogFormat,
  ctx: OperatorContext,
  omitEmptyValues = false,
): LineFormatter {
  return format.type === "text"
    ? compileTextFormat(format.text, ctx, omitEmptyValues)
    : compileJsonFormat(format.labels, ctx, omitEmptyValues);
}
