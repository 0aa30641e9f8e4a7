/**
 * The webhook's warnings about VirtualService rules that can never be used (istiod `analyzeUnreachableHTTPRules`
 * and friends): rules after a catch-all, duplicate matches, and prefix matches shadowed by an earlier shorter prefix.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import type { StringMatch } from "../../schema/common.ts";
import type { HTTPMatchRequest, VirtualServiceSpec } from "./virtual_service.ts";

/** Reports, as warnings, rules and matches of `spec` that earlier rules make unreachable. */
export function warnUnreachableRules(spec: VirtualServiceSpec, ctx: RuleContext): void {
  const http = spec.http ?? [];
  const overlaps = scanRules("http", http, ctx, (r, i) => (r.name ? JSON.stringify(r.name) : `#${i}`));
  for (let a = 0; a < overlaps.length; a++) {
    for (let b = a + 1; b < overlaps.length; b++) {
      const va = overlaps[a];
      const vb = overlaps[b];
      if (va.prefix === vb.prefix || !covers(va, vb)) continue;
      ineffective(
        ctx,
        ["http", vb.rule, "match", vb.match],
        vb.routeStr,
        `${vb.matchStr} of prefix ${vb.prefix}`,
        `${va.matchStr} of prefix ${va.prefix} on ${va.routeStr}`,
      );
    }
  }
  scanRules("tcp", spec.tcp ?? [], ctx, (_, i) => `#${i}`);
  scanRules("tls", spec.tls ?? [], ctx, (_, i) => `#${i}`);
}

interface PrefixMatch {
  readonly rule: number;
  readonly match: number;
  readonly routeStr: string;
  readonly matchStr: string;
  readonly prefix: string;
  readonly port: number;
  readonly method: string;
  readonly authority: string;
  readonly headers: Record<string, string>;
  readonly queryParams: Record<string, string>;
  readonly withoutHeaders: Record<string, string>;
}

function scanRules<R extends { match?: readonly object[] }>(
  field: string,
  routes: readonly R[],
  ctx: RuleContext,
  routeName: (r: R, i: number) => string,
): PrefixMatch[] {
  const seen = new Map<string, number>();
  const prefixMatches: PrefixMatch[] = [];
  let catchAll = -1;
  routes.forEach((route, i) => {
    const matches = route.match ?? [];
    if (matches.length === 0) {
      if (catchAll >= 0) {
        unreachable(ctx, [field, i], routeName(route, i), "only the last rule can have no matches");
      }
      catchAll = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      if (catchAll >= 0) {
        unreachable(ctx, [field, i], routeName(route, i), "route without matches defined before");
        return;
      }
      const key = canonical(m, field === "http");
      const dup = seen.get(key);
      const matchName = field === "http" && (m as HTTPMatchRequest).name
        ? JSON.stringify((m as HTTPMatchRequest).name)
        : `#${j}`;
      if (dup !== undefined) {
        ineffective(ctx, [field, i, "match", j], routeName(route, i), matchName, routeName(routes[dup], dup));
        duplicates++;
        return;
      }
      seen.set(key, i);
      if (field === "http") {
        const pm = prefixMatch(m as HTTPMatchRequest, i, j, routeName(route, i), matchName);
        if (pm) prefixMatches.push(pm);
      }
    });
    if (duplicates === matches.length) {
      unreachable(ctx, [field, i], routeName(route, i), "all matches used by prior rules");
    }
  });
  return prefixMatches;
}

function unreachable(ctx: RuleContext, at: FieldPath, rule: string, reason: string): void {
  ctx.report(at, `virtualService rule ${rule} not used (${reason})`, "warning");
}

function ineffective(ctx: RuleContext, at: FieldPath, rule: string, match: string, dup: string): void {
  ctx.report(
    at,
    `virtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup})`,
    "warning",
  );
}

/** A match as a canonical string (sorted keys, unset and zero fields dropped, HTTP match names ignored). */
function canonical(match: object, dropName: boolean): string {
  const entries = Object.entries(match)
    .filter(([k, v]) => !(dropName && k === "name") && !isZero(v))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries.map(([k, v]) => [k, sortKeys(v)]));
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => [k, sortKeys(x)]),
  );
}

function exactOrPrefix(m: StringMatch | undefined): string {
  if (m?.exact) return `exact:${m.exact}`;
  if (m?.prefix) return `prefix:${m.prefix}`;
  return "";
}

function mapOf(map: Record<string, StringMatch> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
}

function prefixMatch(m: HTTPMatchRequest, rule: number, match: number, routeStr: string, matchStr: string) {
  const prefix = m.uri?.prefix;
  if (!prefix) return undefined;
  return {
    rule,
    match,
    routeStr,
    matchStr,
    prefix,
    port: m.port ?? 0,
    method: exactOrPrefix(m.method) || "exact:GET",
    authority: exactOrPrefix(m.authority),
    headers: mapOf(m.headers),
    queryParams: mapOf(m.queryParams),
    withoutHeaders: mapOf(m.withoutHeaders),
  } satisfies PrefixMatch;
}

/** istiod's `coveredValidation`: whether earlier prefix match `a` catches everything later match `b` does. */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return mapCovers(a.headers, b.headers) && mapCovers(a.queryParams, b.queryParams) &&
    mapCovers(a.withoutHeaders, b.withoutHeaders);
}

function mapCovers(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && (a[k] === b[k] || a[k].startsWith(b[k])));
}
