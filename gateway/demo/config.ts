/**
 * The built-in demo: an Istio config (Gateway, VirtualService with a header match and a weighted split,
 * DestinationRule subsets, ServiceEntries) served by `deno task start` with no arguments.
 * @module
 */

/** Ports of the demo upstreams on 127.0.0.1. */
export const DEMO_UPSTREAMS = [
  { service: "productpage", version: "v1", port: 19080 },
  { service: "reviews", version: "v1", port: 19081 },
  { service: "reviews", version: "v2", port: 19082 },
] as const;

/** The demo config, as a user would write it. */
export const DEMO_CONFIG = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: demo-gateway
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: demo
  namespace: default
spec:
  hosts: ["*"]
  gateways: [istio-system/demo-gateway]
  http:
  - name: reviews-jason
    match:
    - uri: {prefix: /reviews}
      headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - name: reviews-split
    match:
    - uri: {prefix: /reviews}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20
  - name: productpage
    match:
    - uri: {exact: /productpage}
    - uri: {prefix: /static}
    route:
    - destination: {host: productpage, port: {number: 9080}}
  - name: old-home
    match:
    - uri: {exact: /home}
    redirect: {uri: /productpage}
  - name: health
    match:
    - uri: {exact: /healthz}
    directResponse:
      status: 200
      body: {string: "ok\\n"}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: default
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: reviews
  namespace: default
spec:
  hosts: [reviews.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: http, protocol: HTTP}
  endpoints:
  - address: 127.0.0.1
    ports: {http: 19081}
    labels: {version: v1}
  - address: 127.0.0.1
    ports: {http: 19082}
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: productpage
  namespace: default
spec:
  hosts: [productpage.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: http, protocol: HTTP, targetPort: 19080}
  endpoints:
  - address: 127.0.0.1
`;
