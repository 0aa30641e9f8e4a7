/**
 * Gateway-level Prometheus metrics (config reloads, listeners), registered with prom-client and exported on
 * the admin and Prometheus ports.
 * @module
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { ConfigManager } from "./config_manager.ts";
import type { ListenerManager } from "./listener_manager.ts";

/** Creates the registry whose collectors read the managers' state at scrape time. */
export function createGatewayMetrics(config: ConfigManager, listeners: ListenerManager): Registry {
  const registry = new Registry();
  new Counter({
    name: "portcullis_config_reloads_total",
    help:
      "Config loads by result (success: a new snapshot serves; failure: rejected, last good config kept).",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: "success" }, config.reloadCounts.success);
      this.inc({ result: "failure" }, config.reloadCounts.failure);
    },
  });
  new Gauge({
    name: "portcullis_config_version",
    help: "Version of the config snapshot serving now.",
    registers: [registry],
    collect() {
      this.set(config.loaded ? config.current().version : 0);
    },
  });
  new Gauge({
    name: "portcullis_config_last_reload_ok",
    help: "1 when the last config change was accepted, 0 when it was rejected.",
    registers: [registry],
    collect() {
      this.set(config.status?.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "portcullis_listeners",
    help: "Listeners by state.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of listeners.states()) this.inc({ state: s.state });
    },
  });
  return registry;
}
