/**
 * The admin (127.0.0.1:15000), readiness (:15021) and Prometheus (:15090) endpoints, as an Istio gateway pod
 * exposes them.
 * @module
 */
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { configDump } from "../compile/config_dump.ts";
import type { ConfigManager } from "./config_manager.ts";
import { clustersJson, clusterStatuses, clustersText } from "./clusters_view.ts";
import { statsPrometheus, type StatsSources, statsText } from "./envoy_stats.ts";
import type { ListenerManager } from "./listener_manager.ts";
import type { WasmPluginManager } from "../extensions/plugin_manager.ts";
import type { LoggerRegistry } from "../log/registry.ts";
import { createDashboardApp } from "../dashboard/routes.ts";
import type { TrafficWindow } from "../dashboard/traffic_window.ts";
import { mountLogging } from "./admin_logging.ts";
import { ADMIN_ENDPOINTS, adminIndexHtml } from "./admin_index.ts";

/** What the admin endpoints read. */
export interface AdminDeps {
  readonly config: ConfigManager;
  readonly listeners: ListenerManager;
  readonly metrics: Registry;
  /** The WasmPlugins (state on `/config_dump`, metrics on `/stats/prometheus`). */
  readonly wasm?: WasmPluginManager;
  /** The loggers `/logging` lists and changes. */
  readonly loggers: LoggerRegistry;
  /** The live traffic the dashboard draws. */
  readonly traffic: TrafficWindow;
  /** True while the gateway is draining for shutdown. */
  draining(): boolean;
}

/**
 * True when config is loaded, every listener is up, no WasmPlugin is still loading for the first time (Envoy's
 * listeners warm until their filter configs arrive) and the gateway is not draining.
 */
export function isReady(deps: AdminDeps): boolean {
  return deps.config.loaded && deps.listeners.allListening && !deps.wasm?.loading && !deps.draining();
}

function statsSources(deps: AdminDeps): StatsSources {
  return { clusters: deps.listeners.clusterStates, downstream: deps.listeners.downstreamCounters };
}

/** The admin API. */
export function createAdminApp(deps: AdminDeps): Hono {
  const app = new Hono();
  app.get(
    "/",
    (c) =>
      c.req.header("accept")?.includes("text/html")
        ? c.html(adminIndexHtml())
        : c.json({ endpoints: ADMIN_ENDPOINTS.map((e) => e.path) }),
  );
  mountLogging(app, deps.loggers);
  app.route(
    "/dashboard",
    createDashboardApp({
      snapshot: () => deps.config.loaded ? deps.config.current() : undefined,
      listenerStates: () => deps.listeners.states(),
      clusterStates: deps.listeners.clusterStates,
      traffic: deps.traffic,
    }),
  );
  app.get("/config_dump", (c) => {
    if (!deps.config.loaded) return c.json({ error: "no config loaded", status: deps.config.status }, 503);
    return c.json({
      ...configDump(deps.config.current()),
      wasmPlugins: deps.wasm?.states() ?? [],
      lastReload: deps.config.status,
    });
  });
  app.get("/config_status", (c) => c.json(deps.config.status ?? { ok: false, errors: ["not loaded yet"] }));
  app.post("/reload", async (c) => c.json(await deps.config.reload()));
  app.get("/listeners", (c) => c.json(deps.listeners.states()));
  app.get("/clusters", (c) => {
    if (!deps.config.loaded) return c.text("", 503);
    const statuses = clusterStatuses(deps.config.current().clusters.values(), deps.listeners.clusterStates);
    if (c.req.query("format") === "json") return c.json(clustersJson(statuses));
    return c.text(clustersText(statuses));
  });
  app.get("/stats", (c) => {
    const pattern = c.req.query("filter");
    let filter: RegExp | undefined;
    try {
      filter = pattern ? new RegExp(pattern) : undefined;
    } catch (e) {
      return c.text(`Invalid regex: ${(e as Error).message}\n`, 400);
    }
    return c.text(statsText(statsSources(deps), filter, c.req.query("usedonly") !== undefined));
  });
  app.get("/stats/prometheus", async (c) => c.text(await prometheusText(deps)));
  app.get("/ready", (c) => (isReady(deps) ? c.text("LIVE\n") : c.text("NOT READY\n", 503)));
  return app;
}

/** The readiness endpoint (`/healthz/ready`). */
export function createReadinessApp(deps: AdminDeps): Hono {
  const app = new Hono();
  app.get("/healthz/ready", (c) => (isReady(deps) ? c.text("") : c.text("not ready\n", 503)));
  return app;
}

/** The Prometheus scrape endpoint (`/stats/prometheus`). */
export function createPrometheusApp(deps: AdminDeps): Hono {
  const app = new Hono();
  app.get("/stats/prometheus", async (c) => c.text(await prometheusText(deps)));
  return app;
}

/**
 * Everything one scrape returns, on the admin port and on :15090 alike (as Istio's merged endpoint): Istio's
 * metrics, Envoy's cluster and listener stats, and the WasmPlugins' metrics.
 */
async function prometheusText(deps: AdminDeps): Promise<string> {
  return (await deps.metrics.metrics()) + statsPrometheus(statsSources(deps)) +
    (deps.wasm?.renderMetrics() ?? "");
}
