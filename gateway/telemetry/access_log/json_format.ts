/**
 * Compiles a JSON log format (key → format string, nested objects allowed) into a function that renders one
 * JSON line. As in Envoy, a value that is a single operator keeps its type (numbers for codes, sizes and
 * durations) and is `null` when missing; values mixing text and operators are strings; other JSON values are
 * written as given. Keys are written in sorted order.
 * @module
 */
import type { RequestRecord } from "../request_record.ts";
import { compileValueFormat } from "./text_format.ts";
import type { OperatorContext } from "./operators.ts";
import type { LineFormatter } from "./text_format.ts";

type Render = (rec: RequestRecord) => string | undefined;

/** Compiles `labels`; with `omitEmptyValues`, keys whose value is missing are left out. */
export function compileJsonFormat(
  labels: Readonly<Record<string, unknown>>,
  ctx: OperatorContext,
  omitEmptyValues = false,
): LineFormatter {
  const render = compileObject(labels, ctx, omitEmptyValues);
  return (rec) => `${render(rec) ?? "{}"}\n`;
}

function compileObject(
  labels: Readonly<Record<string, unknown>>,
  ctx: OperatorContext,
  omitEmptyValues: boolean,
): Render {
  const entries = Object.keys(labels).sort().map((key) =>
    [JSON.stringify(key), compileValue(labels[key], ctx, omitEmptyValues)] as const
  );
  return (rec) => {
    let out = "";
    for (const [key, render] of entries) {
      const v = render(rec);
      if (v === undefined) continue;
      out += `${out === "" ? "" : ","}${key}:${v}`;
    }
    return `{${out}}`;
  };
}

function compileValue(value: unknown, ctx: OperatorContext, omitEmptyValues: boolean): Render {
  if (typeof value === "string") {
    const field = compileValueFormat(value, ctx, omitEmptyValues);
    return (rec) => {
      const v = field(rec);
      if (v === undefined) return omitEmptyValues ? undefined : "null";
      return typeof v === "number" ? String(v) : jsonString(v);
    };
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return compileObject(value as Record<string, unknown>, ctx, omitEmptyValues);
  }
  const literal = JSON.stringify(value ?? null);
  return () => literal;
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal; printable ASCII without quotes or backslashes needs no escaping. */
function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}
