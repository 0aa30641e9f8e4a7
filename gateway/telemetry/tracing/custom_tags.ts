/**
 * Custom span tags compiled once per config: literals and environment variables are fixed values, header tags
 * read the request headers (as the gateway sends them upstream), formatter tags are Envoy format strings over
 * the request record. A tag whose value comes out empty is not set, as in Envoy.
 * @module
 */
import { compileLogFormat, type OperatorContext } from "../access_log/formatter.ts";
import type { RequestRecord } from "../request_record.ts";
import type { HeaderGetter } from "./context.ts";
import type { CustomTagSpec } from "./settings.ts";

/** What a tag's value is read from. */
export interface TagSource {
  readonly header: HeaderGetter;
  readonly record: RequestRecord;
}

/** A compiled tag. */
export interface CompiledTag {
  readonly name: string;
  /** The value for one span; empty means "do not set". */
  value(source: TagSource): string;
}

/** Compiles the custom tags (environment variables are read now, as Envoy reads them at config time). */
export function compileCustomTags(
  specs: readonly CustomTagSpec[],
  ctx: OperatorContext,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): CompiledTag[] {
  return specs.map((spec): CompiledTag => {
    switch (spec.kind) {
      case "literal":
        return { name: spec.name, value: () => spec.value };
      case "environment": {
        const value = env(spec.from) ?? spec.defaultValue;
        return { name: spec.name, value: () => value };
      }
      case "header":
        return { name: spec.name, value: (s) => s.header(spec.from) ?? spec.defaultValue };
      case "formatter": {
        const format = compileLogFormat({ type: "text", text: spec.format }, ctx);
        return { name: spec.name, value: (s) => format(s.record) };
      }
    }
  });
}

/** Fixed-value tags (Istio's `istio.*` tags). */
export function literalTags(tags: readonly (readonly [string, string])[]): CompiledTag[] {
  return tags.map(([name, value]) => ({ name, value: () => value }));
}
