// String matchers as configurations write them: {"exact": …}, {"prefix": …}, {"suffix": …},
// {"contains": …}, {"glob": …} (`*` any run of characters, `?` one character), and a bare string as exact.
import { JsonValue } from "./json";

const EXACT = 0;
const PREFIX = 1;
const SUFFIX = 2;
const CONTAINS = 3;
const GLOB = 4;

/** One string matcher. */
export class StringMatcher {
  constructor(public readonly kind: i32, public readonly pattern: string, public readonly ignoreCase: bool) {}

  /** A matcher from its JSON form, or null when the form is not one of the above. */
  static fromJson(v: JsonValue): StringMatcher | null {
    if (v.isString()) return new StringMatcher(EXACT, v.stringValue, false);
    if (!v.isObject()) return null;
    const ignoreCase = v.getBool("ignoreCase", false);
    const kinds = ["exact", "prefix", "suffix", "contains", "glob"];
    for (let i = 0; i < kinds.length; i++) {
      const p = v.get(kinds[i]);
      if (p !== null && p.isString()) {
        return new StringMatcher(i, ignoreCase ? p.stringValue.toLowerCase() : p.stringValue, ignoreCase);
      }
    }
    return null;
  }

  /** Whether `value` matches. */
  matches(value: string): bool {
    const s = this.ignoreCase ? value.toLowerCase() : value;
    if (this.kind == EXACT) return s == this.pattern;
    if (this.kind == PREFIX) return s.startsWith(this.pattern);
    if (this.kind == SUFFIX) return s.endsWith(this.pattern);
    if (this.kind == CONTAINS) return s.includes(this.pattern);
    return globMatches(this.pattern, s);
  }
}

/** Whether `s` matches glob `pattern` (`*` any run, `?` one character), in linear time. */
export function globMatches(pattern: string, s: string): bool {
  let p = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    if (p < pattern.length) {
      const c = pattern.charCodeAt(p);
      if (c == 0x2a) {
        star = p++;
        resume = i;
        continue;
      }
      if (c == 0x3f || c == s.charCodeAt(i)) {
        p++;
        i++;
        continue;
      }
    }
    if (star < 0) return false;
    p = star + 1;
    i = ++resume;
  }
  while (p < pattern.length && pattern.charCodeAt(p) == 0x2a) p++;
  return p == pattern.length;
}
