/**
 * Compiling `HTTPMatchRequest` into a route matcher. Conditions inside one match are ANDed; a rule's several
 * matches become separate routes. Port, gateway and source conditions are decided when compiling, since a
 * listener knows its port and the gateway its own labels.
 * @module
 */
import type { HTTPMatchRequest } from "../config/kinds/networking/virtual_service.ts";
import type { StringMatch } from "../config/schema/common.ts";
import { compileStringMatch, type StringPredicate } from "./string_match.ts";
import type { MatchInput, RouteMatcher } from "./types.ts";

type InputTest = (input: MatchInput) => boolean;

const CLAIM_PREFIX = "@request.auth.claims";

/** A matcher that accepts every request. */
export const MATCH_ALL: RouteMatcher = { catchAll: true, test: () => true };

/** Compiles one HTTPMatchRequest (its port, gateway and source conditions must already have been checked). */
export function compileRouteMatch(m: HTTPMatchRequest): RouteMatcher {
  const tests: InputTest[] = [];
  const uri = compileStringMatch(m.uri, { ignoreCase: m.ignoreUriCase === true });
  if (uri) tests.push((i) => uri(i.path));
  addField(tests, m.scheme, (i) => i.scheme);
  addField(tests, m.method, (i) => i.method);
  addField(tests, m.authority, (i) => i.authority);
  for (const [name, sm] of Object.entries(m.headers ?? {})) tests.push(headerTest(name, sm, false));
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) tests.push(headerTest(name, sm, true));
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) tests.push(queryTest(name, sm));
  const catchAll = isCatchAll(m);
  if (tests.length === 0) return { catchAll, spec: m, test: () => true };
  if (tests.length === 1) return { catchAll, spec: m, test: tests[0] };
  return { catchAll, spec: m, test: (i) => tests.every((t) => t(i)) };
}

/** Istio's catch-all: no conditions, or only a uri prefix `/` or regex `.*`/`*` (route.isCatchAllRoute). */
function isCatchAll(m: HTTPMatchRequest): boolean {
  const noOthers = !m.scheme && !m.method && !m.authority && Object.keys(m.headers ?? {}).length === 0 &&
    Object.keys(m.withoutHeaders ?? {}).length === 0 && Object.keys(m.queryParams ?? {}).length === 0;
  if (!noOthers) return false;
  if (!m.uri) return true;
  return m.uri.prefix === "/" || m.uri.regex === "*" || m.uri.regex === ".*" ||
    (m.uri.exact === undefined && m.uri.prefix === undefined && m.uri.regex === undefined);
}

function addField(tests: InputTest[], sm: StringMatch | undefined, pick: (i: MatchInput) => string): void {
  const p = compileStringMatch(sm);
  if (p) tests.push((i) => p(pick(i)));
}

function headerTest(name: string, sm: StringMatch, invert: boolean): InputTest {
  if (name.startsWith(CLAIM_PREFIX)) return claimTest(name, sm, invert);
  const key = name.toLowerCase();
  const p = compileStringMatch(sm);
  if (!p) return invert ? (i) => i.header(key) === null : (i) => i.header(key) !== null;
  // withoutHeaders treats a missing header as an empty value before negating.
  return invert ? (i) => !p(i.header(key) ?? "") : (i) => {
    const v = i.header(key);
    return v !== null && p(v);
  };
}

/** `@request.auth.claims.a.b` (or `[a][b]`) against the verified JWT claims; no claims never matches. */
function claimTest(name: string, sm: StringMatch, invert: boolean): InputTest {
  const path = parseClaimPath(name.slice(CLAIM_PREFIX.length));
  const p: StringPredicate = compileStringMatch(sm) ?? (() => true);
  const matches = (i: MatchInput) => {
    let v: unknown = i.claims;
    for (const key of path) {
      if (v === null || typeof v !== "object") return false;
      v = (v as Record<string, unknown>)[key];
    }
    if (Array.isArray(v)) return v.some((e) => typeof e === "string" && p(e));
    if (typeof v === "string") return p(v);
    if (typeof v === "number" || typeof v === "boolean") return p(String(v));
    return false;
  };
  return invert ? (i) => !matches(i) : matches;
}

function parseClaimPath(rest: string): string[] {
  if (rest.startsWith("[")) return [...rest.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
  return rest.replace(/^\./, "").split(".").filter((s) => s !== "");
}

function queryTest(name: string, sm: StringMatch): InputTest {
  const p = compileStringMatch(sm);
  return (i) => {
    const v = queryValue(i.query, name);
    return v !== null && (p === undefined || p(v));
  };
}

/** First value of a query parameter, decoded; null when absent. */
export function queryValue(query: string, name: string): string | null {
  if (query === "") return null;
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    if (safeDecode(rawKey) !== name) continue;
    return eq < 0 ? "" : safeDecode(part.slice(eq + 1));
  }
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}
