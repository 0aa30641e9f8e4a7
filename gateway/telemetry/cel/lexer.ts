/**
 * Tokens of a CEL expression: literals (ints, uints, doubles, strings with CEL's quoting and escapes),
 * identifiers and operators.
 * @module
 */

/** One token, with its offset in the text. */
export type Token =
  | { readonly type: "int"; readonly value: bigint; readonly at: number }
  | { readonly type: "double"; readonly value: number; readonly at: number }
  | { readonly type: "string"; readonly value: string; readonly at: number }
  | { readonly type: "ident"; readonly value: string; readonly at: number }
  | { readonly type: "op"; readonly value: string; readonly at: number }
  | { readonly type: "eof"; readonly at: number };

/** A lexical or syntax error at an offset of the expression. */
export class CelSyntaxError extends Error {
  constructor(message: string, readonly at: number) {
    super(`${message} at offset ${at}`);
  }
}

const OPERATORS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":"];
const PUNCTUATION = "()[]{}.,";
const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  v: "\v",
  a: "\x07",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "`": "`",
  "?": "?",
};

/** Splits an expression into tokens; throws {@link CelSyntaxError}. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const quoteAt = stringStart(text, i);
    if (quoteAt !== undefined) {
      const [value, end] = readString(text, i, quoteAt);
      out.push({ type: "string", value, at: i });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const [token, end] = readNumber(text, i);
      out.push(token);
      i = end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      out.push({ type: "ident", value: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      out.push({ type: "op", value: c, at: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new CelSyntaxError(`unexpected character '${c}'`, i);
    out.push({ type: "op", value: op, at: i });
    i += op.length;
  }
  out.push({ type: "eof", at: text.length });
  return out;
}

/** The offset of the opening quote when a string literal (with optional r/b prefixes) starts at `i`. */
function stringStart(text: string, i: number): number | undefined {
  let j = i;
  while (j < i + 2 && /[rRbB]/.test(text[j] ?? "")) j++;
  if (text[j] !== '"' && text[j] !== "'") return undefined;
  if (j > i && /[A-Za-z0-9_]/.test(text[i - 1] ?? "")) return undefined;
  return j;
}

function readString(text: string, start: number, quoteAt: number): [string, number] {
  const raw = /[rR]/.test(text.slice(start, quoteAt));
  const q = text[quoteAt];
  const quote = text.startsWith(q.repeat(3), quoteAt) ? q.repeat(3) : q;
  let i = quoteAt + quote.length;
  let value = "";
  while (i < text.length) {
    if (text.startsWith(quote, i)) return [value, i + quote.length];
    const c = text[i];
    if (quote.length === 1 && c === "\n") break;
    if (c === "\\" && !raw) {
      const [decoded, next] = readEscape(text, i);
      value += decoded;
      i = next;
      continue;
    }
    value += c;
    i++;
  }
  throw new CelSyntaxError("unterminated string literal", start);
}

function readEscape(text: string, i: number): [string, number] {
  const e = text[i + 1];
  if (e in ESCAPES) return [ESCAPES[e], i + 2];
  const hex = e === "x" || e === "X" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
  if (hex > 0) {
    const digits = text.slice(i + 2, i + 2 + hex);
    if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw new CelSyntaxError("invalid escape", i);
    return [String.fromCodePoint(parseInt(digits, 16)), i + 2 + hex];
  }
  if (/[0-3]/.test(e)) {
    const digits = text.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new CelSyntaxError("invalid escape", i);
    return [String.fromCodePoint(parseInt(digits, 8)), i + 4];
  }
  throw new CelSyntaxError("invalid escape", i);
}

function readNumber(text: string, i: number): [Token, number] {
  const rest = text.slice(i);
  const hexMatch = /^0[xX][0-9a-fA-F]+[uU]?/.exec(rest);
  if (hexMatch) {
    const digits = hexMatch[0].replace(/[uU]$/, "");
    return [{ type: "int", value: BigInt(digits), at: i }, i + hexMatch[0].length];
  }
  const m = /^(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?/.exec(rest)!;
  const lexeme = m[0];
  if (/[.eE]/.test(lexeme)) {
    if (/[uU]$/.test(lexeme)) throw new CelSyntaxError("invalid number", i);
    return [{ type: "double", value: Number(lexeme), at: i }, i + lexeme.length];
  }
  return [{ type: "int", value: BigInt(lexeme.replace(/[uU]$/, "")), at: i }, i + lexeme.length];
}
