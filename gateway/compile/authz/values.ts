/**
 * AuthorizationPolicy value patterns as istiod turns them into Envoy matchers: `abc` exact, `abc*` prefix,
 * `*abc` suffix, and `*` alone: a non-empty value for plain strings (the `.+` regex), presence for headers.
 * @module
 */

/** A test on one string value. */
export type StringTest = (value: string) => boolean;

/** istiod's `StringMatcher`: exact, prefix, suffix, or `*` (any non-empty value); optionally ignoring case. */
export function stringTest(pattern: string, ignoreCase = false): StringTest {
  if (pattern === "*") return (v) => v.length > 0;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const fold = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
  if (p.startsWith("*")) {
    const suffix = p.slice(1);
    return (v) => fold(v).endsWith(suffix);
  }
  if (p.endsWith("*")) {
    const prefix = p.slice(0, -1);
    return (v) => fold(v).startsWith(prefix);
  }
  return (v) => fold(v) === p;
}

/**
 * istiod's `HeaderMatcher` (and `HostMatcher` with `ignoreCase`): `*` is a presence match (an empty value
 * counts), any other pattern tests a present header's value; an absent header never matches.
 */
export function headerTest(pattern: string, ignoreCase = false): (value: string | null) => boolean {
  if (pattern === "*") return (v) => v !== null;
  const test = stringTest(pattern, ignoreCase);
  return (v) => v !== null && test(v);
}

/** True when any of `tests` passes. */
export function anyOf<T>(tests: readonly ((x: T) => boolean)[]): (x: T) => boolean {
  if (tests.length === 1) return tests[0];
  return (x) => {
    for (const t of tests) if (t(x)) return true;
    return false;
  };
}

/** True when every one of `tests` passes (none: always). */
export function allOf<T>(tests: readonly ((x: T) => boolean)[]): (x: T) => boolean {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (x) => a(x) && b(x);
  }
  return (x) => {
    for (const t of tests) if (!t(x)) return false;
    return true;
  };
}
