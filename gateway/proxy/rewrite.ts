/**
 * `HTTPRewrite` of the path: a prefix rewrite of the matched prefix, or a regex rewrite (RE2, every match
 * replaced, `\1`-style groups as Envoy's `regex_rewrite` takes them).
 * @module
 */
import { RE2JS } from "re2js";
import type { HTTPRewrite } from "../config/kinds/networking/virtual_service.ts";

const COMPILED = new WeakMap<HTTPRewrite, { re: RE2JS; replacement: string }>();

/** The upstream path for `path` under a rewrite (`matchedPrefix` is the route's uri prefix, if any). */
export function rewritePath(rewrite: HTTPRewrite, path: string, matchedPrefix: string | undefined): string {
  if (rewrite.uriRegexRewrite?.match !== undefined) {
    let compiled = COMPILED.get(rewrite);
    if (!compiled) {
      compiled = {
        re: RE2JS.compile(rewrite.uriRegexRewrite.match),
        replacement: toJavaReplacement(rewrite.uriRegexRewrite.rewrite ?? ""),
      };
      COMPILED.set(rewrite, compiled);
    }
    return compiled.re.matcher(path).replaceAll(compiled.replacement);
  }
  if (rewrite.uri === undefined) return path;
  if (matchedPrefix !== undefined && path.startsWith(matchedPrefix)) {
    return rewrite.uri + path.slice(matchedPrefix.length);
  }
  return rewrite.uri;
}

/** `\1` groups become `$1`; a literal `$` is escaped. */
function toJavaReplacement(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length && /[0-9]/.test(s[i + 1])) out += "$" + s[++i];
    else if (c === "\\" && s[i + 1] === "\\") out += "\\\\", i++;
    else if (c === "$") out += "\\$";
    else out += c;
  }
  return out;
}
