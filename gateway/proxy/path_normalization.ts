/**
 * The request path as Envoy's HTTP connection manager normalizes it before routing and filters, with the options
 * istiod sets from `meshConfig.pathNormalization` (listener_builder.go): NONE → `normalize_path: false`; BASE →
 * `normalize_path: true`; MERGE_SLASHES adds `merge_slashes`; DECODE_AND_MERGE_SLASHES also sets
 * `path_with_escaped_slashes_action: UNESCAPE_AND_FORWARD`. The result is what routing, authorization, filters and
 * the upstream all see.
 *
 * Envoy's order (`ConnectionManagerUtility::maybeNormalizePath`), on the `:path` value:
 * 1. the `#fragment` is cut off, in every mode (Istio's bootstrap turns `http_reject_path_with_fragment` off);
 * 2. DECODE_AND_MERGE_SLASHES: `%2F`/`%2f` become `/` and `%5C`/`%5c` become `\` (once; `%252F` stays);
 * 3. `normalize_path`: `/.;x` and `/..;x` segments lose their parameters (CVE-2026-73551), then Chromium's path
 *    canonicalization of its 2020 snapshot: `\` becomes `/`, dot segments (also `%2e`) are resolved, escaped
 *    unreserved characters (`%41`, `%7e`, ...) are decoded, characters not allowed in a path (`"`, `<`, `^`, `{`,
 *    controls, non-ASCII, ...) are escaped, an escaped NUL (`%00`) fails the request with 400;
 * 4. `merge_slashes`: runs of `/` become one.
 * The query string is never touched. Case is kept.
 *
 * Deno.serve does none of this itself (see `request_target.ts` for what reaches the handler).
 * @module
 */
import type { PathNormalization } from "../config/mesh/types.ts";

/**
 * A `:path` whose path BASE mode leaves alone: printable ASCII without `%`, `\`, `#` and the characters it
 * escapes (`"`, `<`, `>`, `^`, `` ` ``, `{`, `|`, `}`), then any query without a `#fragment`. Its dot segments
 * are ruled out by {@link DOT_SEGMENT}.
 */
const PLAIN_PATH = /^[!$&'()*+,\-./0-9:;=@A-Z[\]_a-z~]*(?:\?[^#]*)?$/;
/** A `.` or `..` segment (with `;params`, stripped before resolving): BASE mode resolves it. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:[/;?]|$)/;

/**
 * The normalized `:path` (path and query) of `fullPath` under `mode`, or undefined when Envoy rejects the path
 * (its 400 with details `path_normalization_failed`). Returns `fullPath` itself when nothing changes.
 */
export function normalizePath(fullPath: string, mode: PathNormalization): string | undefined {
  const merge = mode === "MERGE_SLASHES" || mode === "DECODE_AND_MERGE_SLASHES";
  if (mode === "NONE") return stripFragment(fullPath);
  if (PLAIN_PATH.test(fullPath) && !DOT_SEGMENT.test(fullPath) && !(merge && fullPath.includes("//"))) {
    return fullPath;
  }
  const withoutFragment = stripFragment(fullPath);
  const q = withoutFragment.indexOf("?");
  let path = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  const query = q < 0 ? "" : withoutFragment.slice(q);
  if (mode === "DECODE_AND_MERGE_SLASHES") path = unescapeSlashes(path);
  const canonical = canonicalizePath(stripDotSegmentParameters(path));
  if (canonical === undefined) return undefined;
  return (merge ? mergeSlashes(canonical) : canonical) + query;
}

/** The `:path` without its `#fragment`. */
function stripFragment(fullPath: string): string {
  const hash = fullPath.indexOf("#");
  return hash < 0 ? fullPath : fullPath.slice(0, hash);
}

/** Envoy's `PathUtil::unescapeSlashes`: escaped slashes and backslashes decoded, left to right, once. */
export function unescapeSlashes(path: string): string {
  return path.includes("%")
    ? path.replace(/%2f|%5c/gi, (m) => (m[2] === "f" || m[2] === "F" ? "/" : "\\"))
    : path;
}

/** Envoy's `stripParametersFromDotSegments`: `..;params` → `..` and `.;params` → `.`, per `/` segment. */
export function stripDotSegmentParameters(path: string): string {
  if (!path.includes(".;")) return path;
  return path.split("/").map((s) => (s.startsWith("..;") ? ".." : s.startsWith(".;") ? "." : s)).join("/");
}

/**
 * Envoy's `PathUtil::mergeSlashes`: the non-empty segments joined by one `/`, with a leading and a trailing
 * `/` kept when there was one (so `//` stays `//`, as in Envoy).
 */
export function mergeSlashes(path: string): string {
  if (!path.includes("//")) return path;
  const segments = path.split("/").filter((s) => s !== "");
  return `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${path.endsWith("/") ? "/" : ""}`;
}

// Chromium's path character classes (url_canon_path.cc as Envoy carries it).
const PASS = 0;
const SPECIAL = 1;
const ESCAPE_BIT = 2;
const ESCAPE = ESCAPE_BIT | SPECIAL;
const UNESCAPE = 4;
const INVALID_BIT = 8;
const INVALID = INVALID_BIT | SPECIAL;

/** The class of each 7-bit character; every byte from 0x80 is ESCAPE. */
const PATH_CHARS: Uint8Array = (() => {
  const t = new Uint8Array(128).fill(PASS);
  for (let c = 0; c < 0x20; c++) t[c] = ESCAPE;
  t[0] = INVALID;
  for (const c of ` "#%<>?\\^\`{|}\x7f`) t[c.charCodeAt(0)] = ESCAPE;
  for (let c = 0x30; c <= 0x39; c++) t[c] = UNESCAPE;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = UNESCAPE;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = UNESCAPE;
  for (const c of "-_~") t[c.charCodeAt(0)] = UNESCAPE;
  t[0x2e] = SPECIAL; // `.`: dot segments
  return t;
})();

const HEX = "0123456789ABCDEF";
const ENCODER = new TextEncoder();

/**
 * Chromium's `CanonicalizePath` on a path without query or fragment; undefined when it fails (an escaped or raw
 * NUL). Multiple slashes are kept; that is `merge_slashes`' job.
 */
export function canonicalizePath(path: string): string | undefined {
  if (path === "") return "/";
  let out = path[0] === "/" || path[0] === "\\" ? "" : "/";
  let ok = true;
  // Output index of the last `%` that did not start a valid escape (for nested escapes such as `%%30%30`).
  let invalidPercent = -Infinity;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const flags = c < 0x80 ? PATH_CHARS[c] : ESCAPE;
    if ((flags & SPECIAL) === 0) {
      out += path[i];
      continue;
    }
    const dot = dotLength(path, i);
    if (dot > 0) {
      if (!out.endsWith("/")) {
        out += ".";
        i += dot - 1;
        continue;
      }
      const after = classifyAfterDot(path, i + dot);
      if (after.kind === "file") out += ".";
      else if (after.kind === "up") out = backUpToPreviousSlash(out);
      i += after.kind === "file" ? dot - 1 : dot + after.consumed - 1;
    } else if (c === 0x5c) {
      out += "/";
    } else if (c === 0x25) {
      const value = escapedValue(path, i);
      if (value < 0) {
        invalidPercent = out.length;
        out += "%";
      } else if (value < 0x80 && PATH_CHARS[value] & UNESCAPE) {
        out += String.fromCharCode(value);
        i += 2;
        if (invalidPercent >= out.length - 3) out = fixNestedEscape(path, i + 1, invalidPercent, out);
      } else {
        // Kept as sent (hex case included); an escaped NUL fails the path.
        out += path.slice(i, i + 3);
        i += 2;
        if (value < 0x80 && PATH_CHARS[value] & INVALID_BIT) ok = false;
      }
    } else if (flags & INVALID_BIT) {
      out += escapeByte(c);
      ok = false;
    } else if (c < 0x80) {
      out += escapeByte(c);
    } else {
      const end = i + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
      for (const b of ENCODER.encode(path.slice(i, end))) out += escapeByte(b);
      i = end - 1;
    }
  }
  return ok ? out : undefined;
}

/** 1 for `.`, 3 for `%2e`/`%2E`, else 0. */
function dotLength(s: string, i: number): number {
  if (s[i] === ".") return 1;
  if (s[i] === "%" && s[i + 1] === "2" && (s[i + 2] === "e" || s[i + 2] === "E")) return 3;
  return 0;
}

type AfterDot = { kind: "file" } | { kind: "current" | "up"; consumed: number };

/** What a dot at a segment start means, given the input after it (Chromium's `ClassifyAfterDot`). */
function classifyAfterDot(s: string, after: number): AfterDot {
  if (after === s.length) return { kind: "current", consumed: 0 };
  if (s[after] === "/" || s[after] === "\\") return { kind: "current", consumed: 1 };
  const second = dotLength(s, after);
  if (second > 0) {
    const next = after + second;
    if (next === s.length) return { kind: "up", consumed: second };
    if (s[next] === "/" || s[next] === "\\") return { kind: "up", consumed: second + 1 };
  }
  return { kind: "file" };
}

/** The output up to and including the slash before its last segment (never above the first slash). */
function backUpToPreviousSlash(out: string): string {
  let i = out.length - 1;
  if (i === 0) return out;
  i--;
  while (out[i] !== "/" && i > 0) i--;
  return out.slice(0, i + 1);
}

/** The byte value of a valid `%XX` escape at `i`, or -1. */
function escapedValue(s: string, i: number): number {
  if (i + 3 > s.length) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function escapeByte(b: number): string {
  return `%${HEX[b >> 4]}${HEX[b & 15]}`;
}

/**
 * Chromium's `CheckForNestedEscapes`: when decoding just made an earlier stray `%` the start of a valid escape
 * (`%%30%30` would become `%00`), that `%` is written as `%25` so a second decoding cannot change the meaning.
 */
function fixNestedEscape(path: string, nextInput: number, percent: number, out: string): string {
  const lastUnescaped = out[out.length - 1];
  const appendNext = percent === out.length - 2;
  let probe = out;
  if (appendNext) {
    if (nextInput >= path.length || path.charCodeAt(nextInput) >= 0x80) return out;
    probe += path[nextInput];
  }
  if (escapedValue(probe, percent) < 0) return out;
  // The characters after `%` become `25`, followed by the one or two characters that followed the `%`.
  const tail = appendNext ? lastUnescaped : `${probe[percent + 1]}${lastUnescaped}`;
  return `${probe.slice(0, percent + 1)}25${tail}`;
}
