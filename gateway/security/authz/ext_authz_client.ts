/**
 * The check request of Envoy's HTTP ext_authz filter: the original method and `:path` (behind `pathPrefix`),
 * the original `host`, only the allowed request headers (`authorization` always, plus
 * `includeRequestHeadersInCheck`), `includeAdditionalHeadersInCheck`, `content-length`, and the buffered body
 * when configured; sent to the provider's cluster through the gateway's endpoints and balancer. A 5xx, a
 * failure to connect or a timeout is an error; 200 allows; any other status denies.
 * @module
 */
import type { Snapshot } from "../../compile/types.ts";
import type { CompiledExtAuthz } from "../../compile/authz/types.ts";
import type { ClusterStates } from "../../proxy/cluster_state.ts";
import type { EndpointResolver } from "../../proxy/endpoints.ts";
import { HeaderList } from "../../proxy/header_list.ts";
import type { SendUpstream } from "../../proxy/upstream.ts";

/** What a check needs from the gateway. */
export interface ExtAuthzDeps {
  readonly snapshot: Snapshot;
  readonly endpoints: EndpointResolver;
  readonly clusters: ClusterStates;
  readonly send: SendUpstream;
}

/** The request being authorized, as the check copies it. */
export interface CheckInput {
  readonly method: string;
  /** `:path`: the normalized path with query. */
  readonly fullPath: string;
  readonly authority: string;
  readonly headers: Headers;
  /** The buffered request body, when the provider asks for it. */
  readonly body?: Uint8Array;
}

/** The server's answer. */
export type ExtAuthzResult =
  | { readonly kind: "ok"; readonly headers: HeaderList }
  | {
    readonly kind: "denied";
    readonly status: number;
    readonly headers: HeaderList;
    readonly body: Uint8Array;
  }
  | { readonly kind: "error"; readonly reason: string };

/** Asks the provider's server about `input`. */
export async function askExtAuthz(
  provider: CompiledExtAuthz,
  input: CheckInput,
  deps: ExtAuthzDeps,
): Promise<ExtAuthzResult> {
  const cluster = deps.snapshot.clusters.get(provider.cluster);
  if (!cluster) return { kind: "error", reason: `ext_authz cluster ${provider.cluster} does not exist` };
  const signal = AbortSignal.timeout(provider.timeoutMs);
  try {
    const resolved = deps.endpoints.resolve(cluster);
    const endpoints = resolved instanceof Promise ? await resolved : resolved;
    const state = deps.clusters.get(cluster, deps.snapshot.mesh.connectTimeout);
    const endpoint = state.balancer(endpoints).choose();
    if (!endpoint) return { kind: "error", reason: `no healthy upstream in ${cluster.name}` };
    const res = await deps.send({
      address: endpoint.address,
      port: endpoint.port,
      method: input.method,
      path: provider.pathPrefix + input.fullPath,
      headers: checkHeaders(provider, input),
      body: input.body && input.body.length > 0 ? input.body : null,
      connectTimeoutMs: state.pool.connectTimeoutMs,
      signal,
    });
    const body = res.bodyBytes ??
      (res.body ? new Uint8Array(await new Response(res.body).arrayBuffer()) : new Uint8Array(0));
    if (res.status >= 500) return { kind: "error", reason: `ext_authz server answered ${res.status}` };
    if (res.status === 200) return { kind: "ok", headers: res.headers };
    return { kind: "denied", status: res.status, headers: res.headers, body };
  } catch (e) {
    return { kind: "error", reason: (e as Error).message };
  }
}

function checkHeaders(provider: CompiledExtAuthz, input: CheckInput): HeaderList {
  const headers = new HeaderList();
  headers.append("host", input.authority);
  input.headers.forEach((value, name) => {
    if (name === "host" || name === "content-length") return;
    if (name === "authorization" || provider.requestHeaders(name)) headers.append(name, value);
  });
  for (const [name, value] of provider.additionalHeaders) headers.set(name, value);
  headers.set("content-length", String(input.body?.length ?? 0));
  return headers;
}
