/**
 * What the request path of a listener carries: the handler's options, and the request as it moves through the
 * HTTP filters to its route.
 * @module
 */
import type { RouteEntry, Snapshot } from "../compile/types.ts";
import type { ChainSlot } from "../extensions/plugin_manager.ts";
import type { ClusterStates } from "./cluster_state.ts";
import type { DownstreamCounters } from "./downstream_counters.ts";
import type { EndpointResolver } from "./endpoints.ts";
import type { RequestSink, StreamInfo } from "./stream_info.ts";
import type { SendUpstream } from "./upstream.ts";
import type { EdgeDecision } from "./edge_request.ts";

/** What the handler needs from the gateway around it. */
export interface HandlerOptions {
  /** The snapshot to serve the next request from. */
  current(): Snapshot;
  /** The listener port (before any port offset), as Gateway servers declare it. */
  readonly port: number;
  /** Route table name for this listener. */
  readonly routeName: string;
  readonly endpoints: EndpointResolver;
  readonly clusters: ClusterStates;
  /** The upstream client. @default sendUpstreamAuto */
  readonly send?: SendUpstream;
  /** Receives every finished request (metrics, access logs); none: nothing is recorded. */
  readonly requests?: RequestSink;
  /** `address:port` the listener is bound to (`%DOWNSTREAM_LOCAL_ADDRESS%`). */
  readonly localAddress?: string;
  /** The listener's request statistics; none: not counted. */
  readonly counters?: DownstreamCounters;
  /** The listener terminates TLS, so its requests are `https` (whatever scheme an absolute-form target names). */
  readonly tls?: boolean;
  /** The WasmPlugin chains; none: no plugin runs. */
  readonly wasm?: { chain(port: number): readonly ChainSlot[] | undefined };
}

/** The route of a request, or the status of the router's own reply: 404 (no route), 301 (TLS required). */
export type SelectedRoute = RouteEntry | 404 | 301;

/** What a request carries from routing to its action. */
export interface RouteRequest {
  readonly req: Request;
  readonly info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  readonly snapshot: Snapshot;
  readonly options: HandlerOptions;
  readonly send: SendUpstream;
  readonly startedAt: number;
  readonly authority: string;
  /** Path with query, normalized. */
  readonly fullPath: string;
  readonly path: string;
  readonly query: string;
  readonly scheme: string;
  readonly si?: StreamInfo;
  /** Verified JWT claims (`request.auth.claims`), once RequestAuthentication has run. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /**
   * The `x-request-id` chosen before the first filter (as Envoy's connection manager does before its filter
   * chain), so filters and the upstream see the same one; undefined: chosen when forwarding.
   */
  readonly requestId?: string;
  /**
   * The connection manager's edge edits, made before the first filter when filters run (`edge_request.ts`):
   * the addresses, and whether `req` carries the edits; undefined: made when forwarding.
   */
  readonly edge?: Pick<EdgeDecision, "addresses" | "edited">;
  /** The route selected so far; undefined until selected, or after a filter cleared the route cache. */
  readonly route?: SelectedRoute;
}

/** Selects and serves routes: the router at the end of the HTTP filters. */
export interface Router {
  select(rr: RouteRequest): SelectedRoute;
  serve(rr: RouteRequest, route: SelectedRoute): Promise<Response>;
}
