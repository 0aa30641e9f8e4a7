/**
 * Compiling Istio `StringMatch` into predicates. Regexes use RE2 semantics and must match the whole value,
 * as Envoy's `safe_regex` does.
 * @module
 */
import { RE2JS } from "re2js";
import type { StringMatch } from "../config/schema/common.ts";

/** A compiled string predicate. */
export type StringPredicate = (value: string) => boolean;

/** Options for compiling a StringMatch. */
export interface StringMatchOptions {
  /** Compare exact and prefix case-insensitively (`ignoreUriCase`). @default false */
  readonly ignoreCase?: boolean;
}

/**
 * Compiles a StringMatch; `undefined` for an empty match (`{}`), which callers treat as "present".
 * @example compileStringMatch({ prefix: "/api" })?.("/apix") // true: VirtualService prefixes are raw string prefixes
 */
export function compileStringMatch(
  match: StringMatch | undefined,
  options: StringMatchOptions = {},
): StringPredicate | undefined {
  if (!match) return undefined;
  if (match.exact !== undefined) {
    const want = options.ignoreCase ? match.exact.toLowerCase() : match.exact;
    return options.ignoreCase ? (v) => v.toLowerCase() === want : (v) => v === want;
  }
  if (match.prefix !== undefined) {
    const want = options.ignoreCase ? match.prefix.toLowerCase() : match.prefix;
    return options.ignoreCase ? (v) => v.toLowerCase().startsWith(want) : (v) => v.startsWith(want);
  }
  if (match.regex !== undefined) {
    if (match.regex === "*") return undefined; // Istio reads a lone `*` as "present", not as a regex
    const re = compileRe2(match.regex);
    return (v) => re.matches(v);
  }
  return undefined;
}

/**
 * Compiled regexes shared by pattern: configs repeat patterns across hosts, and each RE2 matcher carries its
 * own caches, so sharing keeps matching fast as routes grow. Bounded so that config churn cannot grow it forever.
 */
const RE2_CACHE = new Map<string, RE2JS>();
const RE2_CACHE_LIMIT = 10_000;

function compileRe2(pattern: string): RE2JS {
  let re = RE2_CACHE.get(pattern);
  if (!re) {
    if (RE2_CACHE.size >= RE2_CACHE_LIMIT) RE2_CACHE.clear();
    re = RE2JS.compile(pattern);
    RE2_CACHE.set(pattern, re);
  }
  return re;
}
