/**
 * The request as Envoy's connection manager hands it to the HTTP filters at a gateway: its edge edits
 * (X-Forwarded-For with the peer, X-Forwarded-Proto, x-request-id, `x-envoy-*` sanitizing, see
 * `edgeRequestFields`) are made before the first filter, so ext_authz servers, Wasm and Lua filters, JWT and
 * RBAC see what Envoy's would, and the router then only drops hop-by-hop fields. A request without filters
 * gets the same edits in one pass when it is forwarded (`upstreamHeaders`).
 * @module
 */
import type { ProxyConfig } from "../config/mesh/mod.ts";
import { type ClientAddresses, clientAddresses } from "./client_address.ts";
import { edgeRequestFields } from "./headers.ts";
import { joinedRequestField, requestFields } from "./request_fields.ts";
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

/** The connection manager's pass over `req` from `peer` on a listener of `scheme`, with the mesh's `topology`. */
export function edgeRequest(
  req: Request,
  peer: string,
  topology: ProxyConfig["gatewayTopology"],
  scheme: string,
): EdgeDecision {
  const hops = topology.numTrustedProxies;
  const addresses = clientAddresses(peer, joinedRequestField(req, "x-forwarded-for"), hops);
  const upgrade = isWebSocketUpgrade(req);
  const ctx = {
    addresses,
    scheme,
    trustProxies: hops > 0,
    keepClientCert: topology.forwardClientCertDetails === "ALWAYS_FORWARD_ONLY",
  };
  const fields = edgeRequestFields(requestFields(req), ctx, upgrade).fields;
  let requestId = "";
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "x-request-id") requestId = fields[i + 1];
    pairs.push([fields[i], fields[i + 1]]);
  }
  if (upgrade) return { req, addresses, requestId, edited: false };
  return { req: new Request(req, { headers: pairs }), addresses, requestId, edited: true };
}
