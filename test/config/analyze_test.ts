import assert from "node:assert/strict";
import { loadYaml, warningsOf } from "../helpers/config.ts";

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
---
`;

function vs(name: string, spec: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
${spec}
---
`;
}

Deno.test("analyzer: unknown gateway, host not in gateway, unknown subset, claim routes without authn", () => {
  const warnings = warningsOf(loadYaml(
    GATEWAY +
      vs(
        "ok",
        "  hosts: [a.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: reviews, subset: v1}}]",
      ) +
      vs(
        "bogus-gw",
        "  hosts: [a.example.com]\n  gateways: [nope]\n  http:\n  - route: [{destination: {host: reviews}}]",
      ) +
      vs(
        "other-host",
        "  hosts: [a.other.org]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: reviews}}]",
      ) +
      vs(
        "bogus-subset",
        "  hosts: [b.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - route: [{destination: {host: reviews, subset: v9}}]",
      ) +
      vs(
        "claims",
        "  hosts: [c.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - match: [{headers: {'@request.auth.claims.group': {exact: admin}}}]\n    route: [{destination: {host: reviews}}]",
      ),
  ));
  const about = (name: string) => warnings.filter((w) => w.includes(`VirtualService default/${name}:`));
  assert.deepEqual(about("ok"), []);
  assert.ok(
    about("bogus-gw").some((w) => w.includes('Referenced gateway not found: "default/nope"')),
    warnings.join("\n"),
  );
  assert.ok(
    about("other-host").some((w) =>
      w.includes("one or more host [a.other.org]") && w.includes("Gateway istio-system/gw")
    ),
  );
  assert.ok(
    about("bogus-subset").some((w) =>
      w.includes('"reviews.default.svc.cluster.local+v9"') && w.includes("route[0].destination.subset")
    ),
  );
  assert.ok(about("claims").some((w) => w.includes("RequestAuthentication")));
});
