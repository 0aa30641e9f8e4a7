/**
 * Finding JWTs in a request as Envoy's jwt_authn extractor does: in headers after a prefix (the prefix may
 * appear anywhere in the value; the token is the run of base64url characters and dots after it), in query
 * parameters and in cookies.
 * @module
 */
import type { TokenLocation } from "../../compile/request_authn.ts";
import { queryValue } from "../../compile/route_match.ts";

/** A token found in a request, and where. */
export interface FoundToken {
  readonly token: string;
  readonly location: TokenLocation;
}

/** What extraction reads from a request. */
export interface TokenSource {
  header(name: string): string | null;
  readonly query: string;
}

/** The characters of a token after a header prefix: base64url, `.` and `=`. */
const TOKEN_CHARS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.=") {
    t[c.charCodeAt(0)] = 1;
  }
  return t;
})();

/** The token at `location`, or undefined when there is none. */
export function extractAt(source: TokenSource, location: TokenLocation): string | undefined {
  if (location.kind === "param") {
    const v = queryValue(source.query, location.name);
    return v ? v : undefined;
  }
  if (location.kind === "cookie") return cookieValue(source.header("cookie"), location.name);
  const value = source.header(location.name);
  if (value === null) return undefined;
  if (location.prefix === "") return value.trim() || undefined;
  const at = value.indexOf(location.prefix);
  if (at < 0) return undefined;
  let end = at + location.prefix.length;
  const start = end;
  while (end < value.length && TOKEN_CHARS[value.charCodeAt(end)] === 1) end++;
  return end > start ? value.slice(start, end) : undefined;
}

/** Every token at the given locations, each location once, in order. */
export function extractTokens(source: TokenSource, locations: Iterable<TokenLocation>): FoundToken[] {
  const out: FoundToken[] = [];
  for (const location of locations) {
    const token = extractAt(source, location);
    if (token !== undefined) out.push({ token, location });
  }
  return out;
}

/** A stable key naming a location, to merge the same location of several rules. */
export function locationKey(l: TokenLocation): string {
  return l.kind === "header" ? `header:${l.name}:${l.prefix}` : `${l.kind}:${l.name}`;
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    return v === "" ? undefined : v;
  }
  return undefined;
}

/**
 * `fullPath` without the query parameters named `names` (Envoy removes a verified token's parameter unless
 * `forwardOriginalToken`); the other parameters are kept as sent, and the `?` goes when none is left.
 */
export function withoutQueryParams(fullPath: string, names: readonly string[]): string {
  const q = fullPath.indexOf("?");
  if (q < 0 || names.length === 0) return fullPath;
  const kept = fullPath.slice(q + 1).split("&").filter((part) => {
    if (part === "") return false;
    const eq = part.indexOf("=");
    return !names.includes(decodeQueryComponent(eq < 0 ? part : part.slice(0, eq)));
  });
  return kept.length === 0 ? fullPath.slice(0, q) : `${fullPath.slice(0, q)}?${kept.join("&")}`;
}

function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}
