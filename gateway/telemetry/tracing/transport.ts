/**
 * Span exports sent through the gateway's own clusters, as Envoy sends them to the provider's cluster
 * (`outbound|PORT||HOST`): the same endpoints, balancer and connect timeout as routed traffic.
 * @module
 */
import { HeaderList } from "../../proxy/header_list.ts";
import type { HttpCallout } from "../../../wasm/mod.ts";
import type { SpanTransport } from "./exporter.ts";

/** A transport over the gateway's HTTP callouts (the ones Wasm `http_call` uses). */
export function calloutTransport(callout: HttpCallout): SpanTransport {
  return async (req) => {
    const headers = new HeaderList([":method", "POST", ":path", req.path, ":authority", req.authority]);
    for (const [name, value] of req.headers) headers.append(name, value);
    const pending = callout({
      cluster: req.cluster,
      headers,
      body: req.body,
      trailers: new HeaderList(),
      timeoutMs: 0,
      signal: req.signal,
    });
    if (pending === undefined) throw new Error(`cluster ${req.cluster} is not known to the gateway`);
    return (await pending).status;
  };
}
