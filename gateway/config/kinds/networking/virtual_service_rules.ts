/**
 * The webhook's rules for a VirtualService (istiod `ValidateVirtualService` in `pkg/config/validation`): hosts,
 * gateways, delegation, TLS and TCP routes, exportTo; HTTP routes are checked in `http_route_rules.ts`.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { warnUnreachableRules } from "./virtual_service_analysis.ts";
import { validateHTTPRoute } from "./http_route_rules.ts";
import { ipSubnetError, isIpAddress, istioWildcardDomainError, validateExportTo } from "../host_rules.ts";
import {
  isJwtClaimRoute,
  MESH_GATEWAY,
  portError,
  validateGatewayNames,
  validateSourceLabels,
  validateWeightedDestinations,
} from "./route_rules.ts";
import type {
  L4MatchAttributes,
  TLSMatchAttributes,
  TLSRoute,
  VirtualServiceSpec,
} from "./virtual_service.ts";

/** The annotation istiod sets on VirtualServices it generates from Gateway API routes. */
const ROUTE_SEMANTICS_ANNOTATION = "internal.istio.io/route-semantics";

/** istiod's `ValidateVirtualService`. */
export function validateVirtualService(spec: VirtualServiceSpec, ctx: RuleContext): void {
  const hosts = spec.hosts ?? [];
  const gateways = spec.gateways ?? [];
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (gateways.length > 0) {
      ctx.report(["gateways"], "delegate virtual service must have no gateways specified");
    }
    if ((spec.tls?.length ?? 0) > 0) {
      ctx.report(["tls"], "delegate virtual service must have no tls route specified");
    }
    if ((spec.tcp?.length ?? 0) > 0) {
      ctx.report(["tcp"], "delegate virtual service must have no tcp route specified");
    }
  }
  const gatewaySemantics = ctx.meta.annotations[ROUTE_SEMANTICS_ANNOTATION] === "gateway";

  let appliesToGateway = false;
  if (gateways.length > 0) {
    validateGatewayNames(gateways, ["gateways"], ctx, gatewaySemantics);
    appliesToGateway = boundToGateway(spec);
  }
  const appliesToMesh = !appliesToGateway;

  if (!appliesToGateway) {
    spec.http?.forEach((route, i) =>
      route.match?.forEach((m, j) => {
        for (const field of ["headers", "withoutHeaders"] as const) {
          for (const key of Object.keys(m[field] ?? {})) {
            if (!isJwtClaimRoute(key)) continue;
            ctx.report(
              ["http", i, "match", j, field, key],
              `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${
                gateways.join(" ")
              }]`,
            );
          }
        }
      })
    );
  }

  validateHosts(spec, hosts, ctx, appliesToGateway, appliesToMesh);

  if ((spec.http?.length ?? 0) === 0 && (spec.tcp?.length ?? 0) === 0 && (spec.tls?.length ?? 0) === 0) {
    ctx.report([], "http, tcp or tls must be provided in virtual service");
  }
  spec.http?.forEach((route, i) =>
    validateHTTPRoute(route, ["http", i], ctx, { delegate: isDelegate, gatewaySemantics })
  );
  spec.tls?.forEach((route, i) => validateTLSRoute(route, spec, ["tls", i], ctx, gatewaySemantics));
  spec.tcp?.forEach((route, i) => {
    const at = ["tcp", i];
    route.match?.forEach((m, j) => validateL4Match(m, [...at, "match", j], ctx));
    if ((route.route?.length ?? 0) === 0) ctx.report(at, "TCP route is required");
    validateWeightedDestinations(route.route, [...at, "route"], ctx, gatewaySemantics);
  });
  validateExportTo(ctx.meta.namespace, spec.exportTo, ["exportTo"], ctx);
  warnUnreachableRules(spec, ctx);
}

/** istiod's `isGateway`: true unless the reserved `mesh` gateway is listed (also when none is). */
function boundToGateway(spec: VirtualServiceSpec): boolean {
  return !(spec.gateways ?? []).includes(MESH_GATEWAY);
}

function usesSni(spec: VirtualServiceSpec): boolean {
  return (spec.tls ?? []).some((r) => r.match.some((m) => m.sniHosts.length > 0));
}

function validateHosts(
  spec: VirtualServiceSpec,
  hosts: readonly string[],
  ctx: RuleContext,
  appliesToGateway: boolean,
  appliesToMesh: boolean,
): void {
  let allValid = true;
  hosts.forEach((h, i) => {
    const err = appliesToGateway ? gatewayBoundDomainError(usesSni(spec), h) : istioWildcardDomainError(h);
    if (err) {
      if (!isIpAddress(h)) {
        ctx.report(["hosts", i], err);
        allValid = false;
      }
    } else if (appliesToMesh && h === "*") {
      ctx.report(
        ["hosts", i],
        "wildcard host * is not allowed for virtual services bound to the mesh gateway",
      );
      allValid = false;
    }
  });
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostMatches(hosts[i], hosts[j])) {
        ctx.report(["hosts", j], `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
      }
    }
  }
}

const OUTBOUND_SNI_FORMAT = "outbound_.<PORT>_._.<HOSTNAME>";

/**
 * istiod's `ValidateWildcardDomainForVirtualServiceBoundToGateway`: SNI names generated for AUTO_PASSTHROUGH
 * (`outbound_.80_._.svc.example.com`) are allowed when the VirtualService has SNI matches.
 */
function gatewayBoundDomainError(sni: boolean, domain: string): string | undefined {
  if (!sni || !domain.startsWith("outbound_")) return istioWildcardDomainError(domain);
  if (domain.length > 255) return `domain name ${JSON.stringify(domain)} too long (max 255)`;
  const parts = domain.split("_");
  if (parts.length < 4) return `domain name ${domain} invalid, should follow '${OUTBOUND_SNI_FORMAT}' format`;
  const trim = (s: string) => s.replace(/^\.+|\.+$/g, "");
  const port = trim(parts[1]);
  const hostname = trim(parts[3]);
  const q = JSON.stringify;
  if (!/[0-9]/.test(port)) {
    return `domain name ${q(domain)} invalid (label ${
      q(port)
    } invalid). should follow ${OUTBOUND_SNI_FORMAT} format`;
  }
  if (!/[a-zA-Z]/.test(hostname)) {
    return `domain name ${q(domain)} invalid (label ${
      q(hostname)
    } invalid). should follow ${OUTBOUND_SNI_FORMAT} format`;
  }
  return undefined;
}

function validateTLSRoute(
  route: TLSRoute,
  spec: VirtualServiceSpec,
  at: FieldPath,
  ctx: RuleContext,
  gatewaySemantics: boolean,
): void {
  if (route.match.length === 0) {
    ctx.report([...at, "match"], "TLS route must have at least one match condition");
  }
  route.match.forEach((m, j) => validateTLSMatch(m, spec, [...at, "match", j], ctx));
  if ((route.route?.length ?? 0) === 0) ctx.report(at, "TLS route is required");
  validateWeightedDestinations(route.route, [...at, "route"], ctx, gatewaySemantics);
}

function validateTLSMatch(
  m: TLSMatchAttributes,
  spec: VirtualServiceSpec,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (m.sniHosts.length === 0) ctx.report([...at, "sniHosts"], "TLS match must have at least one SNI host");
  m.sniHosts.forEach((sni, k) => validateSniHost(sni, spec, [...at, "sniHosts", k], ctx));
  validateL4Match(m, at, ctx);
}

function validateSniHost(sni: string, spec: VirtualServiceSpec, at: FieldPath, ctx: RuleContext): void {
  const err = boundToGateway(spec) ? gatewayBoundDomainError(true, sni) : istioWildcardDomainError(sni);
  if (err) {
    if (isIpAddress(sni)) {
      ctx.report(
        at,
        `using an IP address (${
          JSON.stringify(sni)
        }) goes against SNI spec and most clients do not support this`,
        "warning",
      );
    } else ctx.report(at, err);
    return;
  }
  const hosts = spec.hosts ?? [];
  if (hosts.some((h) => hostSubsetOf(sni, h))) return;
  ctx.report(
    at,
    `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts: [${
      hosts.join(", ")
    }]`,
  );
}

/** The checks istiod shares between TLS and TCP matches: subnets, port, source labels, gateways. */
function validateL4Match(m: L4MatchAttributes | TLSMatchAttributes, at: FieldPath, ctx: RuleContext): void {
  m.destinationSubnets?.forEach((s, k) => {
    const err = ipSubnetError(s);
    if (err) ctx.report([...at, "destinationSubnets", k], err);
  });
  if (m.port) {
    const err = portError(m.port);
    if (err) ctx.report([...at, "port"], err);
  }
  validateSourceLabels(m.sourceLabels, [...at, "sourceLabels"], ctx);
  validateGatewayNames(m.gateways, [...at, "gateways"], ctx);
}

/** Istio's `host.Name.Matches`: the two names (either possibly a `*` wildcard) have a name in common. */
export function hostMatches(a: string, b: string): boolean {
  const aWild = a.startsWith("*");
  const bWild = b.startsWith("*");
  if (aWild && bWild) {
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  }
  if (aWild) return b.endsWith(a.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's `host.Name.SubsetOf`: every name `a` covers is covered by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aWild = a.startsWith("*");
  const bWild = b.startsWith("*");
  if (aWild) return bWild && a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}
