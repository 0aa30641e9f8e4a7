/**
 * Request records for the telemetry tests: a bookinfo productpage request through the ingress gateway, and
 * variations of it.
 * @module
 */
import type { RequestRecord } from "../../gateway/telemetry/request_record.ts";
import { gatewayWorkload } from "../../gateway/telemetry/workload.ts";

/** The ingress gateway of a default Istio install. */
export const INGRESS = gatewayWorkload({
  labels: {
    app: "istio-ingressgateway",
    istio: "ingressgateway",
    "service.istio.io/canonical-name": "istio-ingressgateway",
    "service.istio.io/canonical-revision": "latest",
  },
  namespace: "istio-system",
});

/** `GET /productpage` answered 200 by productpage v1 (through a WorkloadEntry), with `over` applied. */
export function productpage(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    startTime: Date.UTC(2020, 10, 25, 21, 26, 18, 409),
    durationMs: 4.7,
    method: "GET",
    authority: "bookinfo.example.com",
    path: "/productpage?u=normal",
    scheme: "http",
    protocol: "HTTP/1.1",
    requestHeaders: new Headers({
      "user-agent": "curl/7.73.0-DEV",
      "x-forwarded-for": "10.44.1.23",
      "x-request-id": "84961386-6d84-929d-98bd-c5aee93b5c88",
    }),
    requestBytes: 0,
    responseCode: 200,
    responseBytes: 5293,
    responseFlags: "-",
    responseCodeDetails: "via_upstream",
    upstreamServiceTimeMs: 4,
    upstreamHost: "10.44.1.27:9080",
    upstreamCluster: "outbound|9080||productpage.bookinfo.svc.cluster.local",
    routeName: "productpage",
    downstreamRemoteAddress: "10.44.1.23:46520",
    downstreamLocalAddress: "10.0.45.184:8080",
    listenerPort: 8080,
    destinationService: {
      host: "productpage.bookinfo.svc.cluster.local",
      name: "productpage",
      namespace: "bookinfo",
      port: 9080,
    },
    destinationWorkload: {
      name: "productpage-v1",
      namespace: "bookinfo",
      labels: { app: "productpage", version: "v1" },
    },
    requestId: "84961386-6d84-929d-98bd-c5aee93b5c88",
    upstreamLocalAddress: "10.44.1.23:37652",
    ...over,
  };
}

/** A 503 after connection failures to reviews v2 with retries exhausted (`UF,URX`). */
export function reviewsConnectFailure(over: Partial<RequestRecord> = {}): RequestRecord {
  return productpage({
    path: "/reviews/0",
    durationMs: 31.2,
    responseCode: 503,
    responseBytes: 91,
    responseFlags: "UF,URX",
    responseCodeDetails: "upstream_reset_before_response_started{connection_failure}",
    upstreamServiceTimeMs: undefined,
    upstreamHost: "10.44.1.31:9080",
    upstreamCluster: "outbound|9080|v2|reviews.bookinfo.svc.cluster.local",
    upstreamTransportFailureReason: "delayed connect error: 111",
    upstreamLocalAddress: undefined,
    routeName: "reviews",
    destinationService: {
      host: "reviews.bookinfo.svc.cluster.local",
      name: "reviews",
      namespace: "bookinfo",
      subset: "v2",
      port: 9080,
    },
    destinationWorkload: {
      name: "reviews-v2",
      namespace: "bookinfo",
      labels: { app: "reviews", version: "v2" },
    },
    ...over,
  });
}

/** A request no route matches: 404 `NR`, no cluster, no upstream. */
export function noRoute(over: Partial<RequestRecord> = {}): RequestRecord {
  return productpage({
    path: "/nope",
    durationMs: 0.3,
    responseCode: 404,
    responseBytes: 0,
    responseFlags: "NR",
    responseCodeDetails: "route_not_found",
    upstreamServiceTimeMs: undefined,
    upstreamHost: undefined,
    upstreamCluster: undefined,
    upstreamLocalAddress: undefined,
    routeName: undefined,
    destinationService: undefined,
    destinationWorkload: undefined,
    ...over,
  });
}
