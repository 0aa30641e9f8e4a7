/**
 * RE2 regular expressions as Istio checks them: istiod compiles every regex of a config with Go's `regexp`
 * (RE2 syntax), and Envoy runs them with RE2. `re2js` implements the same syntax and error messages.
 * @module
 */
import { RE2JS } from "re2js";

/** Longest regex Istio accepts (it approximates Envoy's RE2 program-size limit by length). */
export const MAX_REGEX_LENGTH = 1024;

/**
 * The RE2 parser's error for `pattern`, worded like Go's `regexp.Compile`
 * (e.g. ``error parsing regexp: missing closing ): `(abc` ``), or undefined when it compiles.
 */
export function re2Error(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Istio's check of a regex used at `where` (`validateStringRegexp`): at most 1024 characters and valid RE2.
 * Returns the webhook's message, or undefined when the regex is accepted.
 */
export function istioRegexError(pattern: string, where: string): string | undefined {
  if (utf8Length(pattern) > MAX_REGEX_LENGTH) {
    return `${JSON.stringify(where)}: regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  }
  const err = re2Error(pattern);
  if (err === undefined) return undefined;
  return `${
    JSON.stringify(where)
  }: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
}

const encoder = new TextEncoder();

function utf8Length(s: string): number {
  return s.length <= MAX_REGEX_LENGTH / 3 ? s.length : encoder.encode(s).length;
}
