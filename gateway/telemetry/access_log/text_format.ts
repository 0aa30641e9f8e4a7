/**
 * Compiles an Envoy text format string into a function that renders one log line.
 * @module
 */
import { parseFormat } from "./format_parser.ts";
import { compileOperator, type Field, type OperatorContext } from "./operators.ts";
import type { RequestRecord } from "../request_record.ts";

/** Renders one request. */
export type LineFormatter = (rec: RequestRecord) => string;

/** Compiles `format`; missing values print `-`, or nothing with `omitEmptyValues`. */
export function compileTextFormat(
  format: string,
  ctx: OperatorContext,
  omitEmptyValues = false,
): LineFormatter {
  const placeholder = omitEmptyValues ? "" : "-";
  const parts: (string | Field)[] = parseFormat(format).map((s) =>
    s.type === "text" ? s.text : compileOperator(s.name, s.arg, s.maxLength, ctx)
  );
  return (rec) => {
    let out = "";
    for (const p of parts) {
      if (typeof p === "string") {
        out += p;
      } else {
        const v = p(rec);
        out += v === undefined ? placeholder : v;
      }
    }
    return out;
  };
}

/** Compiles a format string used as one value: a lone operator keeps its type, anything else is a string. */
export function compileValueFormat(
  format: string,
  ctx: OperatorContext,
  omitEmptyValues: boolean,
): Field {
  const segments = parseFormat(format);
  if (segments.length === 1 && segments[0].type === "command") {
    const s = segments[0];
    return compileOperator(s.name, s.arg, s.maxLength, ctx);
  }
  const text = compileTextFormat(format, ctx, omitEmptyValues);
  return (rec) => text(rec);
}
