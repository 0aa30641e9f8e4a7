/**
 * CEL for telemetry: compile an expression once (Telemetry `filter.expression`, tag override `value`,
 * `%CEL(...)%`), evaluate it against a request record.
 *
 * Supported: literals (int, uint, double, string with CEL quoting, bool, null, lists, maps), member access and
 * indexing, `! - * / % + - == != < <= > >= in && || ?:`, `has()`, `size`, `startsWith`, `endsWith`,
 * `contains`, `matches` (RE2), `int`, `uint`, `double`, `string`, `bool`, `duration`, `timestamp`, over the
 * attributes of {@link RecordActivation}. Not supported: the comprehension macros (`exists`, `all`, `map`,
 * `filter`), timestamp accessors and protobuf message construction; such expressions fail to compile.
 * @module
 */
import type { Activation } from "./compile.ts";
import { compileNode } from "./compile.ts";
import { parseCel } from "./parser.ts";
import { CelError, type CelResult } from "./values.ts";

export type { Activation } from "./compile.ts";
export { nodeAttribute, RecordActivation } from "./record_activation.ts";
export { CelError, printValue } from "./values.ts";
export type { CelResult, CelValue } from "./values.ts";

/** A compiled expression: its text and an evaluator that never throws. */
export interface CelExpression {
  readonly text: string;
  evaluate(activation: Activation): CelResult;
}

/** Compiles an expression, or returns why it cannot be (syntax, unknown function, bad regex). */
export function compileCel(text: string): CelExpression | { readonly error: string } {
  try {
    const evaluator = compileNode(parseCel(text));
    return {
      text,
      evaluate(activation) {
        try {
          return evaluator(activation);
        } catch (e) {
          return new CelError(e instanceof Error ? e.message : String(e));
        }
      },
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
