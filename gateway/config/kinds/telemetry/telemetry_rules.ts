/**
 * istiod's webhook rules for Telemetry (`ValidateTelemetry` and its metrics, tracing and access-log checks).
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { validateDryRunAnnotation, validatePolicyTargets } from "../policy_common.ts";
import type { TelemetrySpec } from "./telemetry.ts";

/** istiod's `ValidateTelemetry`. */
export function validateTelemetry(spec: TelemetrySpec, ctx: RuleContext): void {
  validateDryRunAnnotation(ctx);
  validatePolicyTargets(spec, ctx);
  validateMetrics(spec, ctx);
  validateTracing(spec, ctx);
  spec.accessLogging?.forEach((log, i) => {
    if (log.filter !== undefined) {
      const err = celSyntaxError(log.filter.expression ?? "");
      if (err) {
        ctx.report(["accessLogging", i, "filter", "expression"], `must be a valid CEL expression, ${err}`);
      }
    }
    validateProviders(log.providers, ["accessLogging", i, "providers"], ctx);
  });
}

function validateProviders(
  providers: readonly { name: string }[] | undefined,
  at: FieldPath,
  ctx: RuleContext,
) {
  const k = providers?.findIndex((p) => p.name === "") ?? -1;
  if (k >= 0) ctx.report([...at, k, "name"], "providers.name may not be empty");
}

function validateMetrics(spec: TelemetrySpec, ctx: RuleContext): void {
  spec.metrics?.forEach((m, i) => {
    validateProviders(m.providers, ["metrics", i, "providers"], ctx);
    m.overrides?.forEach((o, j) => {
      const at = ["metrics", i, "overrides", j] as const;
      for (const [name, tag] of Object.entries(o.tagOverrides ?? {})) {
        if (name === "") ctx.report([...at, "tagOverrides"], "tagOverrides.name may not be empty", "warning");
        const operation = tag.operation ?? "UPSERT";
        if (operation === "UPSERT" && !tag.value) {
          ctx.report(
            [...at, "tagOverrides", name],
            "tagOverrides.value must be set when operation is UPSERT",
          );
        }
        if (operation === "REMOVE" && tag.value) {
          ctx.report(
            [...at, "tagOverrides", name],
            "tagOverrides.value may only be set when operation is UPSERT",
          );
        }
      }
      if (o.match?.customMetric === "") {
        ctx.report([...at, "match", "customMetric"], "customMetric may not be empty");
      }
    });
  });
}

function validateTracing(spec: TelemetrySpec, ctx: RuleContext): void {
  const tracing = spec.tracing ?? [];
  if (tracing.length > 1) ctx.report(["tracing"], "multiple tracing is not currently supported", "warning");
  tracing.forEach((t, i) => {
    const at = ["tracing", i] as const;
    if ((t.providers?.length ?? 0) > 1) {
      ctx.report([...at, "providers"], "multiple providers is not currently supported", "warning");
    }
    validateProviders(t.providers, [...at, "providers"], ctx);
    const pct = t.randomSamplingPercentage ?? 0;
    if (pct < 0 || pct > 100) {
      ctx.report(
        [...at, "randomSamplingPercentage"],
        "randomSamplingPercentage must be in range [0.0, 100.0]",
      );
    }
    for (const [name, tag] of Object.entries(t.customTags ?? {})) {
      const here = [...at, "customTags", name];
      if (name === "") ctx.report([...at, "customTags"], "tag name may not be empty");
      if (tag.literal && tag.literal.value === "") ctx.report(here, "literal tag value may not be empty");
      if (tag.header && tag.header.name === "") ctx.report(here, "header tag name may not be empty");
      if (tag.environment && tag.environment.name === "") {
        ctx.report(here, "environment tag name may not be empty");
      }
    }
  });
}

const CLOSING: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/**
 * A syntax check of a CEL expression (istiod parses access-log filters with cel-go): not empty, string literals
 * terminated, brackets balanced. Returns the problem, or undefined when none of these was found.
 */
export function celSyntaxError(expression: string): string | undefined {
  const at = (i: number) => `ERROR: <input>:1:${i + 1}: Syntax error`;
  if (expression.trim() === "") return `${at(expression.length)}: mismatched input '<EOF>'`;
  const stack: { ch: string; i: number }[] = [];
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '"' || c === "'") {
      const raw = i > 0 && /[rR]/.test(expression[i - 1]) && !/[\w.]/.test(expression[i - 2] ?? "");
      const quote = expression.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < expression.length && !expression.startsWith(quote, j)) {
        if (!raw && expression[j] === "\\") j++;
        else if (quote.length === 1 && expression[j] === "\n") break;
        j++;
      }
      if (!expression.startsWith(quote, j)) {
        return `${at(i)}: token recognition error at: '${expression.slice(i)}'`;
      }
      i = j + quote.length - 1;
    } else if (c in CLOSING) {
      stack.push({ ch: c, i });
    } else if (c === ")" || c === "]" || c === "}") {
      const open = stack.pop();
      if (!open || CLOSING[open.ch] !== c) return `${at(i)}: extraneous input '${c}'`;
    }
  }
  const open = stack.pop();
  if (open) return `${at(expression.length)}: missing '${CLOSING[open.ch]}' at '<EOF>'`;
  return undefined;
}
