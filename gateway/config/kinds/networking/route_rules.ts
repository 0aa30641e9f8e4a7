/**
 * Webhook rules shared by the HTTP, TLS and TCP routes of a VirtualService (istiod `pkg/config/validation`):
 * destinations, weights, gateway references, durations, string matches, and Go's formatting of numbers.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { istioRegexError } from "../../schema/regex.ts";
import type { StringMatch } from "../../schema/common.ts";
import { isIstioDns1123Label, istioFqdnError, istioWildcardDomainError, labelErrors } from "../host_rules.ts";
import type { Destination } from "./virtual_service.ts";

/** The reserved gateway name that stands for every sidecar of the mesh. */
export const MESH_GATEWAY = "mesh";

/** istiod's `ValidatePort` message for a port outside 1..65535, or undefined. */
export function portError(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** Reports each message of `labelErrors` for a `sourceLabels` map. */
export function validateSourceLabels(
  labels: Readonly<Record<string, string>> | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  for (const message of labelErrors(labels)) ctx.report(at, message);
}

/**
 * istiod's `validateGatewayNames`: `name` (a DNS name; `ns.name` is accepted with a warning), or `namespace/name`
 * with both parts DNS-1123 labels. Like istiod, the check stops after the first name without a namespace.
 */
export function validateGatewayNames(
  names: readonly string[] | undefined,
  at: FieldPath,
  ctx: RuleContext,
  gatewaySemantics = false,
): void {
  for (const [i, name] of (names ?? []).entries()) {
    const slash = name.indexOf("/");
    if (slash < 0) {
      if (name.includes(".")) {
        const [first, second] = name.split(".");
        ctx.report(
          [...at, i],
          `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: ${
            JSON.stringify(`${second}/${first}`)
          }`,
          "warning",
        );
      }
      const err = istioFqdnError(name);
      if (err) ctx.report([...at, i], err);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns.length === 0 || gw.length === 0) {
      ctx.report([...at, i], "config namespace and gateway name cannot be empty");
    }
    if (!isIstioDns1123Label(ns)) {
      ctx.report([...at, i], `invalid value for namespace: ${JSON.stringify(ns)}`);
    }
    if (!isIstioDns1123Label(gw) && !gatewaySemantics) {
      ctx.report([...at, i], `invalid value for gateway name: ${JSON.stringify(gw)}`);
    }
  }
}

/** istiod's `validateDestination`: host a (wildcard) domain but not `*`, subset a DNS-1123 label, port in range. */
export function validateDestination(dest: Destination | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!dest) return;
  const hostErr = dest.host === "*"
    ? `invalid destination host ${dest.host}`
    : istioWildcardDomainError(dest.host);
  if (hostErr) ctx.report([...at, "host"], hostErr);
  if (dest.subset !== undefined && dest.subset !== "" && !isIstioDns1123Label(dest.subset)) {
    ctx.report([...at, "subset"], `subset name is invalid: ${dest.subset}`);
  }
  if (dest.port) {
    const err = portError(dest.port.number ?? 0);
    if (err) ctx.report([...at, "port", "number"], err);
  }
}

/**
 * istiod's `validateRouteDestinations` for TLS/TCP routes and the weight part of HTTP routes: each destination valid
 * (unless the VirtualService was converted from the Gateway API), no negative weight, and with several destinations
 * a non-zero total (an int32 sum, as in Go).
 */
export function validateWeightedDestinations(
  routes: readonly { destination: Destination; weight?: number }[] | undefined,
  at: FieldPath,
  ctx: RuleContext,
  gatewaySemantics: boolean,
  each?: (index: number) => void,
): void {
  if (!routes) return;
  let total = 0;
  routes.forEach((r, i) => {
    each?.(i);
    if (!gatewaySemantics) validateDestination(r.destination, [...at, i, "destination"], ctx);
    const weight = r.weight ?? 0;
    if (weight < 0) ctx.report([...at, i, "weight"], `weight ${weight} < 0`);
    total = (total + weight) | 0;
  });
  if (routes.length > 1 && total === 0) ctx.report(at, "total destination weight = 0");
}

/** istiod's `validateStringMatch`: a `prefix` must not be empty and a `regex` must be valid RE2. */
export function validateStringMatch(
  m: StringMatch | undefined,
  where: string,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (m?.prefix === "") {
    ctx.report([...at, "prefix"], `${JSON.stringify(where)}: prefix string match should not be empty`);
    return;
  }
  validateStringMatchRegex(m, where, at, ctx);
}

/** istiod's `validateStringMatchRegexp`: a `regex` must be non-empty, at most 1024 characters and valid RE2. */
export function validateStringMatchRegex(
  m: StringMatch | undefined,
  where: string,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (m?.regex === undefined) return;
  if (m.regex === "") {
    ctx.report([...at, "regex"], `${JSON.stringify(where)}: regex string match should not be empty`);
    return;
  }
  const err = istioRegexError(m.regex, where);
  if (err) ctx.report([...at, "regex"], err);
}

/** Formats a float like Go's `%v` (`150`, `0.5`, `1e-05`). */
export function goFloat(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp >= -4 && exp < 21) return String(x);
  const [mantissa, e] = x.toExponential().split("e");
  const n = Number(e);
  return `${mantissa}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

/** Formats a float like Go's `%f` (six decimals). */
export function goFixed(x: number): string {
  return x.toFixed(6);
}

/** Whether a header name selects a JWT claim (`@request.auth.claims.a.b` or `@request.auth.claims[a][b]`). */
export function isJwtClaimRoute(name: string): boolean {
  const prefix = "@request.auth.claims";
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith(".") && rest.length > 1) ||
    (rest.startsWith("[") && rest.endsWith("]") && rest.length > 2);
}
