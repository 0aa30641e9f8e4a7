/**
 * Merging the Gateways that select this gateway workload into one listener per port (Istio's MergedGateway).
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { Diagnostic } from "../config/diagnostics.ts";
import type { GatewayServer } from "../config/kinds/networking/gateway.ts";
import { type Resource, resourceDiagnostic } from "../config/resource.ts";
import type { GatewaySpec } from "../config/kinds/networking/gateway.ts";
import { parseServerHost } from "../config/hosts.ts";
import { selectorMatches } from "./labels.ts";
import type { ListenerConfig, ListenerProtocol, ServerConfig } from "./types.ts";

/** Who this gateway is: the labels and namespace of its workload, as Istio matches `Gateway.selector`. */
export interface GatewayIdentity {
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  /**
   * The gateway's locality, `region/zone/subzone` (`serve --locality`); when absent, the topology or locality
   * labels among `labels` give it, as istiod reads a proxy's (see `proxy_topology.ts`).
   */
  readonly locality?: string;
  /** The gateway's network (`serve --network`, `ISTIO_META_NETWORK`). */
  readonly network?: string;
}

/** The Gateways whose selector matches this workload, in creation order. */
export function selectGateways(config: ConfigSet, identity: GatewayIdentity): Resource<GatewaySpec>[] {
  return config.gateways.filter((g) => selectorMatches(g.spec.selector, identity.labels));
}

/** The listener protocol class of a server port protocol. */
export function listenerProtocol(server: GatewayServer): ListenerProtocol {
  const p = server.port.protocol.toUpperCase();
  if (p === "HTTPS") {
    return server.tls?.mode === "PASSTHROUGH" || server.tls?.mode === "AUTO_PASSTHROUGH" ? "TLS" : "HTTPS";
  }
  if (p === "TLS") {
    return server.tls?.mode === "PASSTHROUGH" || server.tls?.mode === "AUTO_PASSTHROUGH" ? "TLS" : "HTTPS";
  }
  if (p === "HTTP" || p === "HTTP2" || p === "GRPC" || p === "GRPC-WEB") return "HTTP";
  return "TCP";
}

/**
 * Builds one listener per port from the selected Gateways. Servers on a port must agree on the protocol class:
 * the first server's class wins and a conflicting server is dropped with a warning, as istiod does.
 */
export function buildListeners(
  gateways: readonly Resource<GatewaySpec>[],
  warnings: Diagnostic[],
): ListenerConfig[] {
  const byPort = new Map<
    string,
    { port: number; bind: string; protocol: ListenerProtocol; servers: ServerConfig[] }
  >();
  for (const gw of gateways) {
    const gwName = `${gw.meta.namespace}/${gw.meta.name}`;
    (gw.spec.servers ?? []).forEach((server, index) => {
      const protocol = listenerProtocol(server);
      const bind = server.bind ?? "0.0.0.0";
      const key = `${bind}_${server.port.number}`;
      const portName = server.port.name ?? `${server.port.protocol.toLowerCase()}-${server.port.number}`;
      let listener = byPort.get(key);
      if (!listener) {
        listener = { port: server.port.number, bind, protocol, servers: [] };
        byPort.set(key, listener);
      } else if (listener.protocol !== protocol) {
        warnings.push(resourceDiagnostic(
          gw.meta,
          "warning",
          `spec.servers[${index}]`,
          `server protocol ${server.port.protocol} conflicts with ${listener.protocol} already on port ${server.port.number}; server ignored`,
        ));
        return;
      }
      listener.servers.push({
        gateway: gwName,
        index,
        portName,
        protocol: server.port.protocol.toUpperCase(),
        hosts: (server.hosts ?? []).map((h) => parseServerHost(h, gw.meta.namespace)),
        tls: server.tls,
        routeName: protocol === "HTTP"
          ? `http.${server.port.number}`
          : `https.${server.port.number}.${portName}.${gw.meta.name}.${gw.meta.namespace}`,
      });
    });
  }
  return [...byPort.values()]
    .sort((a, b) => a.port - b.port || (a.bind < b.bind ? -1 : 1))
    .map((l) => ({ name: `${l.bind}_${l.port}`, ...l }));
}
