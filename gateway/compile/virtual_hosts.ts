/**
 * Binding VirtualServices to Gateway servers and building each route table's virtual hosts, as istiod's
 * buildGatewayHTTPRouteConfig does: VirtualServices in creation order, server hosts intersected with
 * VirtualService hosts, routes of one host concatenated, catch-all routes moved last.
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { VirtualServiceSpec } from "../config/kinds/networking/virtual_service.ts";
import { compareByCreation, type Resource } from "../config/resource.ts";
import { hostsForNamespace, intersectHosts, resolveShortName } from "../config/hosts.ts";
import { buildHttpRoutes, type RouteBuildContext } from "./http_routes.ts";
import { createRouteTable } from "./route_table.ts";
import type { RouteEntry, RouteTable, ServerConfig, VirtualHost } from "./types.ts";

/** Inputs shared by every route table of a snapshot. */
export interface VirtualHostContext extends Omit<RouteBuildContext, "gateway" | "port"> {
  readonly config: ConfigSet;
}

/** True when a VirtualService is visible to a Gateway in `namespace` (`exportTo`, default everywhere). */
export function exportedTo(exportTo: readonly string[] | undefined, own: string, namespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === "*" || e === namespace || (e === "." && own === namespace));
}

/** VirtualServices that name `gateway` (`ns/name`) in their top-level `gateways`, in creation order. */
export function virtualServicesForGateway(
  config: ConfigSet,
  gateway: string,
): Resource<VirtualServiceSpec>[] {
  const gwNamespace = gateway.slice(0, gateway.indexOf("/"));
  return config.virtualServices
    .filter((vs) =>
      (vs.spec.gateways ?? []).some((g) => (g.includes("/") ? g : `${vs.meta.namespace}/${g}`) === gateway) &&
      exportedTo(vs.spec.exportTo, vs.meta.namespace, gwNamespace)
    )
    .sort((a, b) => compareByCreation(a.meta, b.meta));
}

/** Builds the route table serving a set of servers (all plain-HTTP servers of a port, or one HTTPS server). */
export function buildRouteTable(
  name: string,
  port: number,
  servers: readonly ServerConfig[],
  ctx: VirtualHostContext,
): RouteTable {
  const hosts = new Map<string, { routes: RouteEntry[]; requireTls: boolean }>();
  const vhostFor = (domain: string) => {
    let vh = hosts.get(domain);
    if (!vh) hosts.set(domain, vh = { routes: [], requireTls: false });
    return vh;
  };
  for (const server of servers) {
    const requireTls = server.tls?.httpsRedirect === true;
    if (requireTls) {
      for (const h of server.hosts) vhostFor(h.dnsName).requireTls = true;
    }
    const routeCtx: RouteBuildContext = { ...ctx, gateway: server.gateway, port };
    for (const vs of virtualServicesForGateway(ctx.config, server.gateway)) {
      const serverHosts = hostsForNamespace(server.hosts, vs.meta.namespace);
      const domains = new Set<string>();
      for (const vsHost of vs.spec.hosts ?? []) {
        const resolved = resolveShortName(vsHost, vs.meta.namespace);
        for (const sh of serverHosts) {
          const d = intersectHosts(sh, resolved);
          if (d) domains.add(d);
        }
      }
      if (domains.size === 0) continue;
      const routes = buildHttpRoutes(vs, routeCtx);
      for (const d of domains) {
        const vh = vhostFor(d);
        vh.routes.push(...routes);
        if (requireTls) vh.requireTls = true;
      }
    }
  }
  const virtualHosts: VirtualHost[] = [...hosts].map(([domain, vh]) => ({
    name: `${domain}:${port}`,
    domains: [domain],
    routes: sortCatchAllLast(vh.routes),
    requireTls: vh.requireTls,
  }));
  return createRouteTable(name, virtualHosts);
}

/** Moves catch-all routes after all others, keeping relative order (istiod's SortVHostRoutes). */
export function sortCatchAllLast(routes: readonly RouteEntry[]): RouteEntry[] {
  return [...routes.filter((r) => !r.match.catchAll), ...routes.filter((r) => r.match.catchAll)];
}
