/**
 * The JSON the dashboard page polls: the listeners with their route tables, the clusters with endpoint
 * health (the `/clusters` data), and the live traffic window.
 * @module
 */
import type { Snapshot } from "../compile/types.ts";
import type { ClusterStatus } from "../server/clusters_view.ts";
import type { ListenerState } from "../server/listener_manager.ts";
import { describeAction, describeMatch, routeLabel } from "./route_summary.ts";
import { noRouteKey, routeKey, type TrafficView } from "./traffic_window.ts";

/** One route row. */
export interface DashboardRoute {
  /** Its traffic series key. */
  readonly key: string;
  readonly virtualService: string;
  readonly label: string;
  readonly match: string;
  readonly action: string;
}

/** One route table (`http.8080`) of a listener, by virtual host. */
export interface DashboardRouteTable {
  readonly name: string;
  readonly port: number;
  /** Series key of the listener's requests that matched no route. */
  readonly noRouteKey: string;
  readonly virtualHosts: readonly {
    readonly name: string;
    readonly domains: readonly string[];
    readonly routes: readonly DashboardRoute[];
  }[];
}

/** The whole payload of `/dashboard/data`. */
export interface DashboardData {
  /** Config version serving (0 before the first load). */
  readonly version: number;
  readonly configCreatedAt?: string;
  readonly listeners: readonly (ListenerState & { readonly routeTables: readonly string[] })[];
  readonly routeTables: readonly DashboardRouteTable[];
  readonly clusters: readonly ClusterStatus[];
  readonly traffic: TrafficView;
}

/** Builds the payload; `snapshot` is undefined before any config loaded. */
export function dashboardData(
  snapshot: Snapshot | undefined,
  listeners: readonly ListenerState[],
  clusters: readonly ClusterStatus[],
  traffic: TrafficView,
): DashboardData {
  const tablesOf = new Map<string, string[]>();
  const routeTables: DashboardRouteTable[] = [];
  for (const listener of snapshot?.listeners ?? []) {
    const names = [...new Set(listener.servers.map((s) => s.routeName))];
    tablesOf.set(listener.name, names);
    for (const name of names) {
      const table = snapshot!.routeTables.get(name);
      if (!table) continue;
      routeTables.push({
        name,
        port: listener.port,
        noRouteKey: noRouteKey(listener.port),
        virtualHosts: table.virtualHosts.map((vh) => ({
          name: vh.name,
          domains: vh.domains,
          routes: vh.routes.map((r) => ({
            key: routeKey(listener.port, r),
            virtualService: r.virtualService,
            label: routeLabel(r),
            match: describeMatch(r.match.spec),
            action: describeAction(r.action),
          })),
        })),
      });
    }
  }
  return {
    version: snapshot?.version ?? 0,
    configCreatedAt: snapshot?.createdAt,
    listeners: listeners.map((l) => ({ ...l, routeTables: tablesOf.get(l.name) ?? [] })),
    routeTables,
    clusters,
    traffic,
  };
}
