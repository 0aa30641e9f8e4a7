/**
 * The syntax tree of a CEL expression.
 * @module
 */
import type { CelValue } from "./values.ts";

/** A parsed CEL expression. */
export type CelNode =
  | { readonly kind: "literal"; readonly value: CelValue }
  | { readonly kind: "ident"; readonly name: string }
  | { readonly kind: "select"; readonly operand: CelNode; readonly field: string }
  | { readonly kind: "index"; readonly operand: CelNode; readonly index: CelNode }
  | {
    readonly kind: "call";
    readonly fn: string;
    readonly target?: CelNode;
    readonly args: readonly CelNode[];
  }
  | { readonly kind: "list"; readonly items: readonly CelNode[] }
  | { readonly kind: "map"; readonly entries: readonly (readonly [CelNode, CelNode])[] }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: CelNode }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: CelNode; readonly right: CelNode }
  | { readonly kind: "cond"; readonly test: CelNode; readonly then: CelNode; readonly else: CelNode };

/** The binary operators of CEL. */
export type BinaryOp =
  | "||"
  | "&&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";
