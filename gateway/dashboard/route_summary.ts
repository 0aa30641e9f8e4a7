/**
 * Short one-line descriptions of compiled routes for the dashboard: a label naming the VirtualService rule,
 * what the route matches, and what it does.
 * @module
 */
import type { HTTPMatchRequest } from "../config/kinds/networking/virtual_service.ts";
import type { RouteAction, RouteEntry } from "../compile/types.ts";

type StringMatch = { exact?: string; prefix?: string; regex?: string };

function describeString(field: string, m: StringMatch): string {
  if (m.exact !== undefined) return `${field} = ${m.exact}`;
  if (m.prefix !== undefined) return `${field} ^= ${m.prefix}`;
  if (m.regex !== undefined) return `${field} ~ ${m.regex}`;
  return `${field} present`;
}

/** `http[1].match[0] "reviews-v2"` style label: the rule (and match) index, and the route name if any. */
export function routeLabel(route: RouteEntry): string {
  const where = route.matchIndex === undefined
    ? `http[${route.rule}]`
    : `http[${route.rule}].match[${route.matchIndex}]`;
  return route.name ? `${where} "${route.name}"` : where;
}

/** What a match tests, e.g. `uri ^= /reviews, header end-user = jason`; `*` for a catch-all. */
export function describeMatch(spec: HTTPMatchRequest | undefined): string {
  if (!spec) return "*";
  const parts: string[] = [];
  for (const field of ["uri", "scheme", "method", "authority"] as const) {
    const m = spec[field];
    if (m) parts.push(describeString(field, m));
  }
  for (const [name, m] of Object.entries(spec.headers ?? {})) parts.push(describeString(`header ${name}`, m));
  for (const [name, m] of Object.entries(spec.withoutHeaders ?? {})) {
    parts.push(`not ${describeString(`header ${name}`, m)}`);
  }
  for (const [name, m] of Object.entries(spec.queryParams ?? {})) {
    parts.push(describeString(`query ${name}`, m));
  }
  if (spec.port !== undefined) parts.push(`port = ${spec.port}`);
  if (spec.ignoreUriCase) parts.push("ignoring uri case");
  return parts.length === 0 ? "*" : parts.join(", ");
}

/** What a route does: its weighted clusters, a redirect or a direct response. */
export function describeAction(action: RouteAction): string {
  switch (action.kind) {
    case "route":
      return action.clusters.map((c) =>
        action.clusters.length === 1
          ? c.cluster
          : `${c.cluster} (${Math.round(c.weight * 100 / (action.totalWeight || 1))}%)`
      ).join(", ");
    case "redirect": {
      const r = action.redirect;
      const target = `${r.scheme ? `${r.scheme}://` : ""}${r.authority ?? ""}${
        r.uri ?? r.prefixRewrite ?? ""
      }`;
      return `redirect ${action.status}${target ? ` → ${target}` : ""}`;
    }
    case "directResponse":
      return `direct response ${action.status}`;
  }
}
