/**
 * A recursive-descent parser for CEL (the expression language of Telemetry filters and tag values), with CEL's
 * precedence: `?:`, `||`, `&&`, relations and `in`, `+ -`, `* / %`, unary `! -`, then member access, indexing
 * and calls.
 * @module
 */
import type { BinaryOp, CelNode } from "./ast.ts";
import { CelSyntaxError, type Token, tokenize } from "./lexer.ts";

/** Parses an expression; throws {@link CelSyntaxError}. */
export function parseCel(text: string): CelNode {
  const parser = new Parser(tokenize(text));
  const node = parser.expression();
  parser.expectEnd();
  return node;
}

const RELATIONS = new Set(["==", "!=", "<", "<=", ">", ">=", "in"]);

class Parser {
  #i = 0;
  constructor(private readonly tokens: Token[]) {}

  expectEnd(): void {
    const t = this.#peek();
    if (t.type !== "eof") throw new CelSyntaxError(`unexpected '${describe(t)}'`, t.at);
  }

  expression(): CelNode {
    const test = this.#or();
    if (!this.#accept("?")) return test;
    const then = this.#or();
    this.#expect(":");
    return { kind: "cond", test, then, else: this.expression() };
  }

  #or(): CelNode {
    let left = this.#and();
    while (this.#accept("||")) left = { kind: "binary", op: "||", left, right: this.#and() };
    return left;
  }

  #and(): CelNode {
    let left = this.#relation();
    while (this.#accept("&&")) left = { kind: "binary", op: "&&", left, right: this.#relation() };
    return left;
  }

  #relation(): CelNode {
    let left = this.#addition();
    for (;;) {
      const t = this.#peek();
      const op = t.type === "op" || (t.type === "ident" && t.value === "in") ? t.value : undefined;
      if (op === undefined || !RELATIONS.has(op)) return left;
      this.#i++;
      left = { kind: "binary", op: op as BinaryOp, left, right: this.#addition() };
    }
  }

  #addition(): CelNode {
    let left = this.#multiplication();
    for (;;) {
      const op = this.#acceptOneOf(["+", "-"]);
      if (!op) return left;
      left = { kind: "binary", op, left, right: this.#multiplication() };
    }
  }

  #multiplication(): CelNode {
    let left = this.#unary();
    for (;;) {
      const op = this.#acceptOneOf(["*", "/", "%"]);
      if (!op) return left;
      left = { kind: "binary", op, left, right: this.#unary() };
    }
  }

  #unary(): CelNode {
    const op = this.#acceptOneOf(["!", "-"]);
    if (!op) return this.#member();
    const operand = this.#unary();
    if (op === "-" && operand.kind === "literal") {
      if (typeof operand.value === "bigint") return { kind: "literal", value: -operand.value };
      if (typeof operand.value === "number") return { kind: "literal", value: -operand.value };
    }
    return { kind: "unary", op, operand };
  }

  #member(): CelNode {
    let node = this.#primary();
    for (;;) {
      if (this.#accept(".")) {
        const name = this.#ident();
        if (this.#accept("(")) node = { kind: "call", fn: name, target: node, args: this.#arguments(")") };
        else node = { kind: "select", operand: node, field: name };
      } else if (this.#accept("[")) {
        const index = this.expression();
        this.#expect("]");
        node = { kind: "index", operand: node, index };
      } else {
        return node;
      }
    }
  }

  #primary(): CelNode {
    const t = this.#next();
    switch (t.type) {
      case "int":
      case "double":
      case "string":
        return { kind: "literal", value: t.value };
      case "ident":
        if (t.value === "true" || t.value === "false") return { kind: "literal", value: t.value === "true" };
        if (t.value === "null") return { kind: "literal", value: null };
        if (this.#accept("(")) return { kind: "call", fn: t.value, args: this.#arguments(")") };
        return { kind: "ident", name: t.value };
      case "op":
        if (t.value === "(") {
          const inner = this.expression();
          this.#expect(")");
          return inner;
        }
        if (t.value === "[") return { kind: "list", items: this.#arguments("]") };
        if (t.value === "{") return this.#mapLiteral();
        if (t.value === ".") return { kind: "ident", name: this.#ident() };
    }
    throw new CelSyntaxError(`unexpected '${describe(t)}'`, t.at);
  }

  #mapLiteral(): CelNode {
    const entries: [CelNode, CelNode][] = [];
    while (!this.#accept("}")) {
      const key = this.expression();
      this.#expect(":");
      entries.push([key, this.expression()]);
      if (!this.#accept(",")) {
        this.#expect("}");
        break;
      }
    }
    return { kind: "map", entries };
  }

  #arguments(close: string): CelNode[] {
    const args: CelNode[] = [];
    while (!this.#accept(close)) {
      args.push(this.expression());
      if (!this.#accept(",")) {
        this.#expect(close);
        break;
      }
    }
    return args;
  }

  #ident(): string {
    const t = this.#next();
    if (t.type !== "ident") throw new CelSyntaxError(`expected a name, got '${describe(t)}'`, t.at);
    return t.value;
  }

  #peek(): Token {
    return this.tokens[this.#i];
  }

  #next(): Token {
    const t = this.tokens[this.#i];
    if (t.type !== "eof") this.#i++;
    return t;
  }

  #accept(op: string): boolean {
    const t = this.#peek();
    if (t.type === "op" && t.value === op) {
      this.#i++;
      return true;
    }
    return false;
  }

  #acceptOneOf<T extends string>(ops: readonly T[]): T | undefined {
    const t = this.#peek();
    if (t.type === "op" && (ops as readonly string[]).includes(t.value)) {
      this.#i++;
      return t.value as T;
    }
    return undefined;
  }

  #expect(op: string): void {
    const t = this.#peek();
    if (!this.#accept(op)) throw new CelSyntaxError(`expected '${op}', got '${describe(t)}'`, t.at);
  }
}

function describe(t: Token): string {
  return t.type === "eof" ? "<EOF>" : String(t.value);
}
