/**
 * The admin `/config_dump` view of a snapshot: listeners, route tables with their virtual hosts and routes,
 * clusters with endpoints, as plain JSON.
 * @module
 */
import { formatDiagnostic } from "../config/diagnostics.ts";
import { countResources } from "../config/config_set.ts";
import type { RouteAction, RouteEntry, Snapshot } from "./types.ts";
import { authzDump } from "./authz/dump.ts";

/** JSON-ready description of a snapshot. */
export function configDump(snapshot: Snapshot): Record<string, unknown> {
  return {
    version: snapshot.version,
    createdAt: snapshot.createdAt,
    resources: countResources(snapshot.config),
    mesh: snapshot.mesh,
    listeners: snapshot.listeners,
    routes: [...snapshot.routeTables.values()].map((t) => ({
      name: t.name,
      virtualHosts: t.virtualHosts.map((vh) => ({
        name: vh.name,
        domains: vh.domains,
        requireTls: vh.requireTls || undefined,
        routes: vh.routes.map(dumpRoute),
      })),
    })),
    clusters: [...snapshot.clusters.values()],
    authorization: authzDump(snapshot.authz),
    wasmChains: Object.fromEntries(
      [...snapshot.wasmChains].map((
        [port, chain],
      ) => [port, chain.map((p) => ({ plugin: p.key, phase: p.phase }))]),
    ),
    warnings: snapshot.warnings.filter((w) => w.severity === "warning").map(formatDiagnostic),
  };
}

function dumpRoute(r: RouteEntry): Record<string, unknown> {
  return {
    name: r.name || undefined,
    virtualService: r.virtualService,
    rule: r.rule,
    match: r.match.spec ?? {},
    catchAll: r.match.catchAll || undefined,
    action: dumpAction(r.action),
    rewrite: r.rewrite,
    headers: r.headers,
    timeoutMs: r.timeoutMs,
    retries: r.retries,
    fault: r.fault,
    mirrors: r.mirrors.length > 0 ? r.mirrors : undefined,
    cors: r.cors,
  };
}

function dumpAction(a: RouteAction): Record<string, unknown> {
  switch (a.kind) {
    case "route":
      return { route: a.clusters.map((c) => ({ cluster: c.cluster, weight: c.weight })) };
    case "redirect":
      return { redirect: a.redirect, status: a.status };
    case "directResponse":
      return { directResponse: { status: a.status, bodyBytes: a.body?.length ?? 0 } };
  }
}
