/**
 * The registry of Istio kinds Portcullis reads.
 * @module
 */
import type { KindDefinition } from "../kind.ts";
import { authorizationPolicyKind } from "./security/authorization_policy.ts";
import { destinationRuleKind } from "./networking/destination_rule.ts";
import { gatewayKind } from "./networking/gateway.ts";
import { peerAuthenticationKind } from "./security/peer_authentication.ts";
import { requestAuthenticationKind } from "./security/request_authentication.ts";
import { serviceEntryKind } from "./networking/service_entry.ts";
import { sidecarKind } from "./networking/sidecar.ts";
import { telemetryKind } from "./telemetry/telemetry.ts";
import { trafficExtensionKind } from "./extensions/traffic_extension.ts";
import { virtualServiceKind } from "./networking/virtual_service.ts";
import { wasmPluginKind } from "./extensions/wasm_plugin.ts";
import { workloadEntryKind } from "./networking/workload_entry.ts";

/** Every kind Portcullis validates and uses. */
export const KINDS: readonly KindDefinition<unknown>[] = [
  gatewayKind,
  virtualServiceKind,
  destinationRuleKind,
  serviceEntryKind,
  workloadEntryKind,
  sidecarKind,
  authorizationPolicyKind,
  requestAuthenticationKind,
  peerAuthenticationKind,
  telemetryKind,
  wasmPluginKind,
  trafficExtensionKind,
] as KindDefinition<unknown>[];

const BY_GROUP_KIND = new Map(KINDS.map((k) => [`${k.group}/${k.kind}`, k]));

/** The definition for an API group and kind, if Portcullis reads it. */
export function findKind(group: string, kind: string): KindDefinition<unknown> | undefined {
  return BY_GROUP_KIND.get(`${group}/${kind}`);
}

/** True for Istio's API groups (`networking.istio.io`, `security.istio.io`, ...). */
export function isIstioGroup(group: string): boolean {
  return group.endsWith(".istio.io");
}
