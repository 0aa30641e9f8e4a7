/**
 * The validated resources of one load, grouped by kind.
 * @module
 */
import type { AuthorizationPolicySpec } from "./kinds/security/authorization_policy.ts";
import type { DestinationRuleSpec } from "./kinds/networking/destination_rule.ts";
import type { GatewaySpec } from "./kinds/networking/gateway.ts";
import type { PeerAuthenticationSpec } from "./kinds/security/peer_authentication.ts";
import type { RequestAuthenticationSpec } from "./kinds/security/request_authentication.ts";
import type { ServiceEntrySpec } from "./kinds/networking/service_entry.ts";
import type { SidecarSpec } from "./kinds/networking/sidecar.ts";
import type { TelemetrySpec } from "./kinds/telemetry/telemetry.ts";
import type { TrafficExtensionSpec } from "./kinds/extensions/traffic_extension.ts";
import type { VirtualServiceSpec } from "./kinds/networking/virtual_service.ts";
import type { WasmPluginSpec } from "./kinds/extensions/wasm_plugin.ts";
import type { WorkloadEntrySpec } from "./kinds/networking/workload_entry.ts";
import type { Resource } from "./resource.ts";

/** All valid resources of a config, by kind, in load order. */
export interface ConfigSet {
  readonly gateways: Resource<GatewaySpec>[];
  readonly virtualServices: Resource<VirtualServiceSpec>[];
  readonly destinationRules: Resource<DestinationRuleSpec>[];
  readonly serviceEntries: Resource<ServiceEntrySpec>[];
  readonly workloadEntries: Resource<WorkloadEntrySpec>[];
  readonly sidecars: Resource<SidecarSpec>[];
  readonly authorizationPolicies: Resource<AuthorizationPolicySpec>[];
  readonly requestAuthentications: Resource<RequestAuthenticationSpec>[];
  readonly peerAuthentications: Resource<PeerAuthenticationSpec>[];
  readonly telemetries: Resource<TelemetrySpec>[];
  readonly wasmPlugins: Resource<WasmPluginSpec>[];
  readonly trafficExtensions: Resource<TrafficExtensionSpec>[];
}

const FIELD_BY_KIND: Record<string, keyof ConfigSet> = {
  Gateway: "gateways",
  VirtualService: "virtualServices",
  DestinationRule: "destinationRules",
  ServiceEntry: "serviceEntries",
  WorkloadEntry: "workloadEntries",
  Sidecar: "sidecars",
  AuthorizationPolicy: "authorizationPolicies",
  RequestAuthentication: "requestAuthentications",
  PeerAuthentication: "peerAuthentications",
  Telemetry: "telemetries",
  WasmPlugin: "wasmPlugins",
  TrafficExtension: "trafficExtensions",
};

/** A config with no resources. */
export function emptyConfigSet(): ConfigSet {
  return Object.fromEntries(Object.values(FIELD_BY_KIND).map((f) => [f, []])) as unknown as ConfigSet;
}

/** Adds a validated resource under its kind; a later resource with the same kind, namespace and name replaces the earlier one, as `kubectl apply` does. */
export function addResource(config: ConfigSet, resource: Resource<unknown>): void {
  const field = FIELD_BY_KIND[resource.meta.kind];
  if (!field) throw new Error(`no ConfigSet field for kind ${resource.meta.kind}`);
  const list = config[field] as Resource<unknown>[];
  const i = list.findIndex((r) =>
    r.meta.name === resource.meta.name && r.meta.namespace === resource.meta.namespace
  );
  if (i >= 0) list[i] = resource;
  else list.push(resource);
}

/** The resources of one kind, e.g. `resourcesOfKind(config, "Sidecar")`; none for a kind not held here. */
export function resourcesOfKind(config: ConfigSet, kind: string): readonly Resource<unknown>[] {
  const field = FIELD_BY_KIND[kind];
  return field ? config[field] : [];
}

/** Number of resources of each kind, for logs. */
export function countResources(config: ConfigSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, field] of Object.entries(FIELD_BY_KIND)) {
    if (config[field].length > 0) out[kind] = config[field].length;
  }
  return out;
}
