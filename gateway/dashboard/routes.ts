/**
 * The dashboard on the admin port: `/dashboard` (the page) and `/dashboard/data` (its JSON, polled every
 * second; each poll keeps the traffic window recording).
 * @module
 */
import { Hono } from "hono";
import type { Snapshot } from "../compile/types.ts";
import type { ClusterStates } from "../proxy/cluster_state.ts";
import { clusterStatuses } from "../server/clusters_view.ts";
import type { ListenerState } from "../server/listener_manager.ts";
import { dashboardData } from "./dashboard_data.ts";
import { DASHBOARD_HTML } from "./page.ts";
import type { TrafficWindow } from "./traffic_window.ts";

/** What the dashboard reads. */
export interface DashboardDeps {
  /** The serving snapshot; undefined before the first config loaded. */
  snapshot(): Snapshot | undefined;
  listenerStates(): ListenerState[];
  readonly clusterStates: ClusterStates;
  readonly traffic: TrafficWindow;
}

/** The dashboard's routes, to mount under `/dashboard`. */
export function createDashboardApp(deps: DashboardDeps): Hono {
  const app = new Hono();
  app.get("/", (c) => c.html(DASHBOARD_HTML));
  app.get("/data", (c) => {
    deps.traffic.watch();
    const snapshot = deps.snapshot();
    const clusters = snapshot ? clusterStatuses(snapshot.clusters.values(), deps.clusterStates) : [];
    c.header("cache-control", "no-store");
    return c.json(dashboardData(snapshot, deps.listenerStates(), clusters, deps.traffic.view()));
  });
  return app;
}
