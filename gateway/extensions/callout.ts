/**
 * `proxy_http_call` through the gateway's own forwarding: the filter names a cluster as Istio does
 * (`outbound|PORT|SUBSET|HOST`) or a bare service host (its subset-less cluster, lowest port first); the call
 * goes to an endpoint chosen by that cluster's balancer, with its connect timeout. Unknown names are refused
 * at once (the filter sees BAD_ARGUMENT).
 * @module
 */
import type { Cluster, Snapshot } from "../compile/types.ts";
import type { ClusterStates } from "../proxy/cluster_state.ts";
import type { EndpointResolver } from "../proxy/endpoints.ts";
import { HeaderList } from "../proxy/header_list.ts";
import type { SendUpstream } from "../proxy/upstream.ts";
import { UpstreamError } from "../proxy/upstream.ts";
import type { CalloutRequest, CalloutResponse, HttpCallout } from "../../wasm/mod.ts";
import { takePseudoHeaders } from "../../wasm/headers/pseudo.ts";

/** What callouts need from the gateway. */
export interface CalloutDeps {
  /** The snapshot whose clusters callouts may name. */
  current(): Snapshot;
  readonly endpoints: EndpointResolver;
  readonly clusters: ClusterStates;
  readonly send: SendUpstream;
}

/** The `callout` option of the gateway's plugins. */
export function gatewayCallout(deps: CalloutDeps): HttpCallout {
  return (req) => {
    const snapshot = deps.current();
    const cluster = findCluster(snapshot, req.cluster);
    return cluster ? call(deps, snapshot, cluster, req) : undefined;
  };
}

/**
 * The cluster a filter's cluster name denotes, if any: an Istio cluster name, a service host, or a short name
 * (no dots) of a Kubernetes-style host (`name.<namespace>.svc.<domain>`, as ServiceEntry short hosts resolve).
 */
export function findCluster(snapshot: Snapshot, name: string): Cluster | undefined {
  if (name.startsWith("outbound|")) return snapshot.clusters.get(name);
  const short = name.includes(".") ? undefined : `${name}.`;
  let best: Cluster | undefined;
  let bestShort: Cluster | undefined;
  for (const c of snapshot.clusters.values()) {
    if (c.subset) continue;
    if (c.host === name && (!best || c.port < best.port)) best = c;
    if (
      short && c.host.startsWith(short) && c.host.includes(".svc.") && (!bestShort || c.port < bestShort.port)
    ) {
      bestShort = c;
    }
  }
  return best ?? bestShort;
}

async function call(
  deps: CalloutDeps,
  snapshot: Snapshot,
  cluster: Cluster,
  req: CalloutRequest,
): Promise<CalloutResponse> {
  const resolved = deps.endpoints.resolve(cluster);
  const endpoints = resolved instanceof Promise ? await resolved : resolved;
  const state = deps.clusters.get(cluster, snapshot.mesh.connectTimeout);
  const endpoint = state.balancer(endpoints).choose();
  if (!endpoint) throw new UpstreamError("connection_failure", `no healthy upstream in ${cluster.name}`);
  const headers = req.headers.clone();
  const pseudo = takePseudoHeaders(headers);
  headers.setValid("host", pseudo[":authority"] ?? cluster.host);
  if (req.body.length > 0) headers.setValid("content-length", String(req.body.length));
  const res = await deps.send({
    address: endpoint.address,
    port: endpoint.port,
    method: pseudo[":method"] ?? "GET",
    path: pseudo[":path"] ?? "/",
    headers,
    body: req.body.length > 0 ? req.body : null,
    connectTimeoutMs: state.pool.connectTimeoutMs,
    signal: req.signal,
  });
  const body = res.bodyBytes ??
    (res.body ? new Uint8Array(await new Response(res.body).arrayBuffer()) : undefined);
  return { status: res.status, headers: HeaderList.from(res.headers), body: body ?? new Uint8Array(0) };
}
