/**
 * Splits an Envoy format string into literal text and command operators `%NAME%`, `%NAME(arg)%` and
 * `%NAME(arg):N%` (N truncates the value to N characters). A `%` that starts no command is literal text.
 * @module
 */

/** A piece of a format string. */
export type FormatSegment =
  | { readonly type: "text"; readonly text: string }
  | {
    readonly type: "command";
    readonly name: string;
    /** The text between the parentheses, when there are parentheses. */
    readonly arg?: string;
    readonly maxLength?: number;
  };

// The argument is matched lazily, so `%CEL(size(x))%` ends at the first `)` followed by `%` or `:N%`.
const COMMAND = /%([A-Z0-9_]+)(?:\((.*?)\))?(?::(\d+))?%/y;

/** Parses `format` into segments, adjacent text merged. */
export function parseFormat(format: string): FormatSegment[] {
  const out: FormatSegment[] = [];
  let text = "";
  let i = 0;
  while (i < format.length) {
    if (format[i] === "%") {
      COMMAND.lastIndex = i;
      const m = COMMAND.exec(format);
      if (m) {
        if (text !== "") out.push({ type: "text", text });
        text = "";
        out.push({
          type: "command",
          name: m[1],
          ...(m[2] !== undefined ? { arg: m[2] } : {}),
          ...(m[3] !== undefined ? { maxLength: Number(m[3]) } : {}),
        });
        i = COMMAND.lastIndex;
        continue;
      }
    }
    text += format[i];
    i++;
  }
  if (text !== "") out.push({ type: "text", text });
  return out;
}
