/**
 * Compiling a validated config into the immutable snapshot the data path serves from (Pilot's job).
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { Diagnostic } from "../config/diagnostics.ts";
import type { MeshConfig } from "../config/mesh/mod.ts";
import { buildClusters } from "./clusters.ts";
import { buildListeners, type GatewayIdentity, selectGateways } from "./listeners.ts";
import { proxyTopology } from "./proxy_topology.ts";
import { compileAuthorization } from "./authz/policies.ts";
import { selectJwtRules } from "./request_authn.ts";
import { buildServiceRegistry } from "./services.ts";
import type { RouteTable, Snapshot } from "./types.ts";
import { buildRouteTable } from "./virtual_hosts.ts";
import { type CompiledWasmPlugin, selectWasmPlugins, wasmChainForPort } from "./wasm_plugins.ts";

/** What compiling needs besides the resources. */
export interface CompileOptions {
  readonly mesh: MeshConfig;
  readonly identity: GatewayIdentity;
  /** Version number of the new snapshot. @default 1 */
  readonly version?: number;
  /** Warnings from loading, carried into the snapshot. */
  readonly warnings?: readonly Diagnostic[];
}

/** Compiles listeners, route tables and clusters. Never throws on valid config. */
export function compileSnapshot(config: ConfigSet, options: CompileOptions): Snapshot {
  const warnings: Diagnostic[] = [...(options.warnings ?? [])];
  const gateways = selectGateways(config, options.identity);
  const listeners = buildListeners(gateways, warnings);
  const services = buildServiceRegistry(config);
  const byKey = new Map(config.virtualServices.map((vs) => [`${vs.meta.namespace}/${vs.meta.name}`, vs]));
  const ctx = {
    config,
    identity: options.identity,
    warnings,
    servicePorts: (host: string) => services.get(host)?.ports.map((p) => p.number),
    delegate: (namespace: string, name: string) => byKey.get(`${namespace}/${name}`),
  };
  const routeTables = new Map<string, RouteTable>();
  for (const listener of listeners) {
    if (listener.protocol === "HTTP") {
      const name = listener.servers[0].routeName;
      routeTables.set(name, buildRouteTable(name, listener.port, listener.servers, ctx));
    } else if (listener.protocol === "HTTPS") {
      for (const server of listener.servers) {
        routeTables.set(server.routeName, buildRouteTable(server.routeName, listener.port, [server], ctx));
      }
    }
  }
  const plugins = selectWasmPlugins(config, options.identity, options.mesh.rootNamespace);
  const wasmChains = new Map<number, readonly CompiledWasmPlugin[]>();
  for (const listener of listeners) {
    const chain = plugins.length > 0 ? wasmChainForPort(plugins, listener.port) : [];
    if (chain.length > 0) wasmChains.set(listener.port, chain);
  }
  const jwtRules = selectJwtRules(config, options.identity, options.mesh.rootNamespace);
  const authz = compileAuthorization(config, {
    identity: options.identity,
    mesh: options.mesh,
    services,
    warnings,
  });
  return {
    version: options.version ?? 1,
    createdAt: new Date().toISOString(),
    mesh: options.mesh,
    listeners,
    routeTables,
    clusters: buildClusters(services, config, options.identity.namespace, {
      meshSetting: options.mesh.localityLbSetting,
      proxy: proxyTopology(options.identity),
    }),
    config,
    warnings,
    wasmPlugins: plugins,
    wasmChains,
    ...(jwtRules.length > 0 ? { jwtRules } : {}),
    ...(authz ? { authz } : {}),
  };
}
