/**
 * Turns a CEL syntax tree into a closure over an {@link Activation}, once. Evaluation never throws: errors are
 * {@link CelError} values, absorbed by `&&`, `||` and `?:` as CEL specifies.
 * @module
 */
import type { BinaryOp, CelNode } from "./ast.ts";
import { compileRegex, FUNCTIONS } from "./functions.ts";
import { CelSyntaxError } from "./lexer.ts";
import {
  celCompare,
  CelDuration,
  celEquals,
  CelError,
  type CelKey,
  type CelResult,
  CelTimestamp,
  type CelValue,
  isMap,
  PlainCelMap,
  typeName,
} from "./values.ts";

/** Where identifiers are looked up. */
export interface Activation {
  /** The value of a top-level name, or undefined when it is not declared. */
  resolve(name: string): CelValue | undefined;
}

/** A compiled expression. */
export type Evaluator = (activation: Activation) => CelResult;

/** Compiles a syntax tree; throws {@link CelSyntaxError} for unknown functions or bad macro use. */
export function compileNode(node: CelNode): Evaluator {
  switch (node.kind) {
    case "literal": {
      const value = node.value;
      return () => value;
    }
    case "ident": {
      const name = node.name;
      return (a) => a.resolve(name) ?? new CelError(`undeclared reference to '${name}'`);
    }
    case "select": {
      const operand = compileNode(node.operand);
      const field = node.field;
      return (a) => selectField(operand(a), field);
    }
    case "index": {
      const operand = compileNode(node.operand);
      const index = compileNode(node.index);
      return (a) => indexValue(operand(a), index(a));
    }
    case "list": {
      const items = node.items.map(compileNode);
      return (a) => {
        const out: CelValue[] = [];
        for (const item of items) {
          const v = item(a);
          if (v instanceof CelError) return v;
          out.push(v);
        }
        return out;
      };
    }
    case "map":
      return compileMap(node.entries);
    case "unary":
      return compileUnary(node.op, compileNode(node.operand));
    case "binary":
      return compileBinary(node.op, compileNode(node.left), compileNode(node.right));
    case "cond": {
      const test = compileNode(node.test);
      const then = compileNode(node.then);
      const otherwise = compileNode(node.else);
      return (a) => {
        const t = test(a);
        if (t instanceof CelError) return t;
        if (typeof t !== "boolean") return new CelError(`no matching overload for '_?_:_' on ${typeName(t)}`);
        return t ? then(a) : otherwise(a);
      };
    }
    case "call":
      return compileCall(node.fn, node.target, node.args);
  }
}

function selectField(target: CelResult, field: string): CelResult {
  if (target instanceof CelError) return target;
  if (!isMap(target)) return new CelError(`type '${typeName(target)}' does not support field selection`);
  return target.get(field) ?? new CelError(`no such key: ${field}`);
}

function indexValue(target: CelResult, index: CelResult): CelResult {
  if (target instanceof CelError) return target;
  if (index instanceof CelError) return index;
  if (Array.isArray(target)) {
    const i = typeof index === "bigint" ? Number(index) : typeof index === "number" ? index : NaN;
    if (!Number.isInteger(i)) return new CelError(`invalid list index of type ${typeName(index)}`);
    return i >= 0 && i < target.length ? target[i] : new CelError(`index out of bounds: ${i}`);
  }
  if (isMap(target)) {
    if (!isKey(index)) return new CelError(`unsupported key type: ${typeName(index)}`);
    return target.get(index) ?? new CelError(`no such key: ${String(index)}`);
  }
  return new CelError(`type '${typeName(target)}' does not support indexing`);
}

function isKey(v: CelValue): v is CelKey {
  return typeof v === "string" || typeof v === "bigint" || typeof v === "boolean";
}

function compileMap(entries: readonly (readonly [CelNode, CelNode])[]): Evaluator {
  const compiled = entries.map(([k, v]) => [compileNode(k), compileNode(v)] as const);
  return (a) => {
    const out = new Map<CelKey, CelValue>();
    for (const [key, value] of compiled) {
      const k = key(a);
      if (k instanceof CelError) return k;
      if (!isKey(k)) return new CelError(`unsupported key type: ${typeName(k)}`);
      const v = value(a);
      if (v instanceof CelError) return v;
      out.set(k, v);
    }
    return new PlainCelMap(out);
  };
}

function compileUnary(op: "!" | "-", operand: Evaluator): Evaluator {
  return (a) => {
    const v = operand(a);
    if (v instanceof CelError) return v;
    if (op === "!") {
      return typeof v === "boolean" ? !v : new CelError(`no matching overload for '!_' on ${typeName(v)}`);
    }
    if (typeof v === "bigint") return -v;
    if (typeof v === "number") return -v;
    if (v instanceof CelDuration) return new CelDuration(-v.ms);
    return new CelError(`no matching overload for '-_' on ${typeName(v)}`);
  };
}

function compileBinary(op: BinaryOp, left: Evaluator, right: Evaluator): Evaluator {
  switch (op) {
    case "&&":
      return (a) => logical(left(a), () => right(a), false);
    case "||":
      return (a) => logical(left(a), () => right(a), true);
    default:
      return (a) => {
        const l = left(a);
        if (l instanceof CelError) return l;
        const r = right(a);
        if (r instanceof CelError) return r;
        return applyBinary(op, l, r);
      };
  }
}

/** `&&` (`decisive` false) and `||` (`decisive` true): a decisive operand wins over an error on the other side. */
function logical(l: CelResult, right: () => CelResult, decisive: boolean): CelResult {
  if (l === decisive) return decisive;
  const r = right();
  if (r === decisive) return decisive;
  if (l instanceof CelError) return l;
  if (r instanceof CelError) return r;
  if (typeof l !== "boolean" || typeof r !== "boolean") {
    return new CelError(`no matching overload for '${decisive ? "||" : "&&"}'`);
  }
  return !decisive;
}

function applyBinary(op: BinaryOp, l: CelValue, r: CelValue): CelResult {
  switch (op) {
    case "==":
      return celEquals(l, r);
    case "!=":
      return !celEquals(l, r);
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const c = celCompare(l, r);
      if (c instanceof CelError) return c;
      return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
    case "in":
      if (Array.isArray(r)) return r.some((x) => celEquals(x, l));
      if (isMap(r)) return isKey(l) && r.get(l) !== undefined;
      return new CelError(`no matching overload for 'in' on ${typeName(r)}`);
    default:
      return arithmetic(op, l, r);
  }
}

function arithmetic(op: BinaryOp, l: CelValue, r: CelValue): CelResult {
  if (typeof l === "bigint" && typeof r === "bigint") {
    if ((op === "/" || op === "%") && r === 0n) {
      return new CelError(op === "/" ? "division by zero" : "modulus by zero");
    }
    switch (op) {
      case "+":
        return l + r;
      case "-":
        return l - r;
      case "*":
        return l * r;
      case "/":
        return l / r;
      case "%":
        return l % r;
    }
  }
  if ((typeof l === "bigint" || typeof l === "number") && (typeof r === "bigint" || typeof r === "number")) {
    const x = Number(l);
    const y = Number(r);
    switch (op) {
      case "+":
        return x + y;
      case "-":
        return x - y;
      case "*":
        return x * y;
      case "/":
        return x / y;
    }
  }
  if (op === "+" && typeof l === "string" && typeof r === "string") return l + r;
  if (op === "+" && Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
  if (l instanceof CelDuration && r instanceof CelDuration && (op === "+" || op === "-")) {
    return new CelDuration(op === "+" ? l.ms + r.ms : l.ms - r.ms);
  }
  if (l instanceof CelTimestamp && r instanceof CelDuration && (op === "+" || op === "-")) {
    return new CelTimestamp(op === "+" ? l.ms + r.ms : l.ms - r.ms);
  }
  if (l instanceof CelTimestamp && r instanceof CelTimestamp && op === "-") {
    return new CelDuration(l.ms - r.ms);
  }
  return new CelError(`no matching overload for '${op}' applied to (${typeName(l)}, ${typeName(r)})`);
}

function compileCall(fn: string, target: CelNode | undefined, argNodes: readonly CelNode[]): Evaluator {
  if (fn === "has" && !target) return compileHas(argNodes);
  const def = FUNCTIONS.get(fn);
  const count = argNodes.length + (target ? 1 : 0);
  if (!def || !def.arity.includes(count)) {
    throw new CelSyntaxError(`undeclared reference to function '${fn}'`, 0);
  }
  const literal = fn === "matches" ? argNodes[argNodes.length - 1] : undefined;
  if (literal?.kind === "literal" && typeof literal.value === "string") compileRegex(literal.value);
  const args = (target ? [target, ...argNodes] : argNodes).map(compileNode);
  return (a) => {
    const values: CelValue[] = [];
    for (const arg of args) {
      const v = arg(a);
      if (v instanceof CelError) return v;
      values.push(v);
    }
    return def.fn(values);
  };
}

function compileHas(args: readonly CelNode[]): Evaluator {
  const arg = args[0];
  if (args.length !== 1 || arg.kind !== "select") {
    throw new CelSyntaxError("invalid argument to has() macro", 0);
  }
  const operand = compileNode(arg.operand);
  const field = arg.field;
  return (a) => {
    const v = operand(a);
    if (v instanceof CelError) return v;
    if (!isMap(v)) return new CelError(`invalid type for field selection: ${typeName(v)}`);
    return v.get(field) !== undefined;
  };
}
