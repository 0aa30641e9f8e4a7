/**
 * A running gateway: config manager, listeners, file watch and the admin, readiness and Prometheus servers.
 * @module
 */
import type { MeshConfig } from "../config/mesh/mod.ts";
import type { GatewayIdentity } from "../compile/listeners.ts";
import { createAdminApp, createPrometheusApp, createReadinessApp } from "./admin.ts";
import { ConfigManager, type ConfigSource } from "./config_manager.ts";
import { ListenerManager } from "./listener_manager.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { GatewayTelemetry, type RequestRecord } from "../telemetry/mod.ts";
import { calloutTransport } from "../telemetry/tracing/transport.ts";
import { jwtAuthn } from "../optional_modules.ts";
import { type ConfigWatch, watchConfigPaths } from "./watcher.ts";
import { gatewayCallout } from "../extensions/callout.ts";
import { WasmPluginManager } from "../extensions/plugin_manager.ts";
import { gatewayNode } from "../extensions/node_info.ts";
import { sendUpstreamAuto } from "../proxy/upstream_client.ts";
import { LogLevel } from "../log/levels.ts";
import { LoggerRegistry } from "../log/registry.ts";
import { RequestLog } from "../log/request_log.ts";
import { wasmLogger } from "../log/wasm_log.ts";
import type { LogLevel as WasmLogLevel } from "../../wasm/mod.ts";
import { luaLogger } from "../log/lua_log.ts";
import { TrafficWindow } from "../dashboard/traffic_window.ts";
import { fanOutRequests } from "./request_fanout.ts";

/** Ports of the side servers; 0 picks a free port, `null` turns a server off. */
export interface SidePorts {
  /** @default 15000 */
  readonly admin?: number | null;
  /** @default 15021 */
  readonly readiness?: number | null;
  /** @default 15090 */
  readonly prometheus?: number | null;
}

/** Options of startGateway. */
export interface GatewayOptions {
  readonly source: ConfigSource;
  readonly mesh: MeshConfig;
  readonly identity: GatewayIdentity;
  readonly ports?: SidePorts;
  /** Added to each Gateway port number. @default 0 */
  readonly portOffset?: number;
  /** Bind every listener and the readiness/Prometheus servers to this address (admin is always loopback). */
  readonly bindAddress?: string;
  /** Watch config paths and reload on change. @default true */
  readonly watch?: boolean;
  /** Debounce of the file watch. @default 200 */
  readonly watchDebounceMs?: number;
  /** Record requests into Istio's metrics and the access logs. @default true */
  readonly telemetry?: boolean;
  /** Folder caching downloaded Wasm modules by digest. @default ".cache/wasm" */
  readonly wasmCacheDir?: string;
  /** Folder of WasmPlugin image pull secrets, `<dir>/<namespace>/<secret name>`. */
  readonly wasmCredentialsDir?: string;
  /** Registries WasmPlugin images are pulled from over plain http (`*` for all). */
  readonly wasmInsecureRegistries?: readonly string[];
  /** Where log lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** The level every logger starts at (admin `/logging` changes it at run time). @default LogLevel.info */
  readonly logLevel?: LogLevel;
}

/** A started gateway. */
export interface RunningGateway {
  readonly config: ConfigManager;
  readonly listeners: ListenerManager;
  /** The WasmPlugins' instances and chains. */
  readonly wasm: WasmPluginManager;
  /** The loggers, by component (admin `/logging`). */
  readonly loggers: LoggerRegistry;
  /** Bound addresses of the side servers (absent when turned off). */
  readonly admin?: Deno.NetAddr;
  readonly readiness?: Deno.NetAddr;
  readonly prometheus?: Deno.NetAddr;
  /** Stops accepting, drains in-flight requests, closes everything. */
  close(): Promise<void>;
}

/** Loads config, opens listeners and side servers, and starts watching for config changes. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const write = options.log ?? ((line: string) => console.log(line));
  const loggers = new LoggerRegistry(options.logLevel ?? LogLevel.info, write);
  const traffic = new TrafficWindow();
  let draining = false;
  const listeners: ListenerManager = new ListenerManager({
    current: () => config.current(),
    portOffset: options.portOffset,
    bindAddress: options.bindAddress,
    requests: fanOutRequests([
      ...(options.telemetry === false ? [] : [{
        get active() {
          return telemetry?.active ?? false;
        },
        get tracer() {
          return telemetry?.tracer;
        },
        record: (rec: RequestRecord) => telemetry?.record(rec),
      }]),
      traffic,
      new RequestLog(loggers),
    ]),
    wasm: { chain: (port) => wasm.chain(port) },
    log: loggers.get("config"),
    httpLog: loggers.get("http"),
  });
  // Filters' and the span exporter's calls to mesh clusters.
  const callout = gatewayCallout({
    current: () => config.current(),
    endpoints: listeners.endpoints,
    clusters: listeners.clusterStates,
    send: sendUpstreamAuto,
  });
  const wasm = new WasmPluginManager({
    cacheDir: options.wasmCacheDir,
    credentialsDir: options.wasmCredentialsDir,
    insecureRegistries: options.wasmInsecureRegistries,
    log: loggers.get("wasm"),
    logger: wasmLogger(loggers.get("wasm")),
    luaLogger: luaLogger(loggers.get("lua")),
    // Envoy's levels are Proxy-Wasm's (trace 0 .. critical 5): filters see `/logging` changes at once.
    logLevel: () => loggers.get("wasm").level as number as WasmLogLevel,
    luaLogLevel: () => loggers.get("lua").level as number as WasmLogLevel,
    node: gatewayNode(options.identity),
    callout,
  });
  const config = new ConfigManager({
    source: options.source,
    mesh: options.mesh,
    identity: options.identity,
    log: loggers.get("config"),
    // Code only some configs use (JWT verification, tracing) is imported before the first such config serves.
    prepare: async (snapshot) => {
      if (snapshot.jwtRules?.length) await jwtAuthn.load();
      await telemetry?.loadFor(snapshot.config, snapshot.mesh);
    },
    onSnapshot: (snapshot) => {
      if (telemetry) {
        const settings = telemetry.update(snapshot.config, snapshot.mesh);
        for (const w of settings.warnings) loggers.get("config").warn(`telemetry: ${w}`);
      }
      wasm.update(snapshot);
      return listeners.reconcile(snapshot.listeners);
    },
  });
  const metrics = createGatewayMetrics(config, listeners);
  const telemetry = options.telemetry === false ? undefined : new GatewayTelemetry({
    registry: metrics,
    identity: options.identity,
    spanTransport: calloutTransport(callout),
  });
  await config.reload();

  const deps = { config, listeners, metrics, wasm, loggers, traffic, draining: () => draining };
  const ports = options.ports ?? {};
  const sideAddress = options.bindAddress ?? "0.0.0.0";
  const side: Deno.HttpServer<Deno.NetAddr>[] = [];
  const serveSide = (
    port: number | null | undefined,
    fallback: number,
    hostname: string,
    app: { fetch: Deno.ServeHandler },
  ) => {
    const p = port === undefined ? fallback : port;
    if (p === null) return undefined;
    const server = Deno.serve({ port: p, hostname, onListen: () => {} }, app.fetch);
    side.push(server);
    return server.addr;
  };
  const admin = serveSide(ports.admin, 15000, "127.0.0.1", createAdminApp(deps));
  const readiness = serveSide(ports.readiness, 15021, sideAddress, createReadinessApp(deps));
  const prometheus = serveSide(ports.prometheus, 15090, sideAddress, createPrometheusApp(deps));
  if (admin) {
    loggers.get("admin").info(
      `admin on http://${admin.hostname}:${admin.port}/ (dashboard, config_dump, clusters, logging, stats)`,
    );
  }

  let watch: ConfigWatch | undefined;
  if (options.source.kind === "paths" && options.watch !== false) {
    watch = await watchConfigPaths(options.source.paths, () => void config.reload(), {
      debounceMs: options.watchDebounceMs,
    });
  }

  return {
    config,
    listeners,
    wasm,
    loggers,
    admin,
    readiness,
    prometheus,
    async close() {
      draining = true;
      loggers.get("main").info("draining: closing listeners, letting requests in flight finish");
      watch?.close();
      await listeners.closeAll();
      await Promise.all(side.map((s) => s.shutdown()));
      await telemetry?.close();
      await wasm.close();
    },
  };
}
