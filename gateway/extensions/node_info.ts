/**
 * The gateway as Envoy's bootstrap node describes it to filters (`node.*` properties): the workload metadata
 * istio-agent puts there that a gateway knows of itself, as Istio's stats plugin reads it for the `source_*`
 * labels.
 * @module
 */
import type { GatewayIdentity } from "../compile/listeners.ts";
import type { NodeInfo } from "../../wasm/mod.ts";
import { gatewayWorkload } from "../telemetry/workload.ts";

/** `node.cluster` (`<workload>.<namespace>`) and `node.metadata` `WORKLOAD_NAME`, `NAMESPACE`, `CLUSTER_ID`. */
export function gatewayNode(identity: GatewayIdentity): NodeInfo {
  const workload = gatewayWorkload(identity);
  return {
    cluster: `${workload.name}.${workload.namespace}`,
    metadata: {
      WORKLOAD_NAME: workload.name,
      NAMESPACE: workload.namespace,
      CLUSTER_ID: workload.cluster,
    },
  };
}
