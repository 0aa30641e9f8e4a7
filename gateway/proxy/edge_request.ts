/**
 * The request as Envoy's connection manager hands it to the HTTP filters at a gateway: its edge edits
 * (X-Forwarded-For with the peer, X-Forwarded-Proto, x-request-id, `x-envoy-*` sanitizing, see
 * `edgeRequestFields`) are made before the first filter, so ext_authz servers, Wasm and Lua filters, JWT and
 * RBAC see what Envoy's would, and the router then only drops hop-by-hop fields. A request without filters
 * gets the same edits in one pass when it is forwarded (`upstreamHeaders`, with {@linkcode edgeContext}).
 * @module
 */
import { type ClientAddresses, clientAddresses } from "./client_address.ts";
import { type EdgeContext, edgeRequestFields } from "./headers.ts";
import { joinedRequestField, requestFields } from "./request_fields.ts";
import type { RouteRequest } from "./route_request.ts";
import { isWebSocketUpgrade } from "./websocket.ts";

/** What the connection manager decided about a request before its filters. */
export interface EdgeDecision {
  /** The request with the edits, or the request itself when it could not be rebuilt (`edited` false). */
  readonly req: Request;
  /** Client and X-Forwarded-For, from the fields as received. */
  readonly addresses: ClientAddresses;
  /** The `x-request-id` the filters and the upstream see. */
  readonly requestId: string;
  /**
   * Whether `req` carries the edits. A WebSocket upgrade keeps `Deno.serve`'s own request (only that one can be
   * upgraded), so its edits are made when it is forwarded, with this `requestId`.
   */
  readonly edited: boolean;
}

/** The client addresses of `rr`: as decided before its filters, else from its X-Forwarded-For and peer. */
export function addressesOf(rr: RouteRequest): ClientAddresses {
  if (rr.edge) return rr.edge.addresses;
  const hops = rr.snapshot.mesh.defaultConfig.gatewayTopology.numTrustedProxies;
  return clientAddresses(rr.info.remoteAddr.hostname, joinedRequestField(rr.req, "x-forwarded-for"), hops);
}

/** What the edge header rules need for `rr`, with the mesh's gateway topology. */
export function edgeContext(rr: RouteRequest): EdgeContext {
  const topology = rr.snapshot.mesh.defaultConfig.gatewayTopology;
  return {
    addresses: addressesOf(rr),
    scheme: rr.scheme,
    trustProxies: topology.numTrustedProxies > 0,
    keepClientCert: topology.forwardClientCertDetails === "ALWAYS_FORWARD_ONLY",
    requestId: rr.requestId,
    edited: rr.edge?.edited,
  };
}

/** The connection manager's pass over `rr`'s request, before any filter. */
export function edgeRequest(rr: RouteRequest): EdgeDecision {
  const ctx = edgeContext(rr);
  const upgrade = isWebSocketUpgrade(rr.req);
  const fields = edgeRequestFields(requestFields(rr.req), ctx, upgrade).fields;
  let requestId = "";
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "x-request-id") requestId = fields[i + 1];
    pairs.push([fields[i], fields[i + 1]]);
  }
  const { req } = rr;
  const addresses = ctx.addresses;
  if (upgrade) return { req, addresses, requestId, edited: false };
  return { req: new Request(req, { headers: pairs }), addresses, requestId, edited: true };
}
