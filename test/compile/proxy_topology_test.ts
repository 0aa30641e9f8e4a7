import assert from "node:assert/strict";
import {
  localityFromLabels,
  localityFromMetaJsonLabels,
  proxyTopology,
} from "../../gateway/compile/proxy_topology.ts";

Deno.test("proxy topology: locality from topology labels, then the locality label (dots or slashes)", () => {
  assert.equal(
    localityFromLabels({ "topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z" }),
    "r/z",
  );
  assert.equal(localityFromLabels({ "topology.istio.io/subzone": "s" }), "//s");
  assert.equal(localityFromLabels({ "istio-locality": "r.z.s" }), "r/z/s");
  assert.equal(localityFromLabels({ "topology.istio.io/locality": "r/z", "istio-locality": "x" }), "r/z");
  assert.equal(localityFromLabels({ app: "x" }), undefined);
  assert.equal(localityFromMetaJsonLabels('{"app":"gw","istio-locality":"us-east.zone1"}'), "us-east/zone1");
  assert.equal(localityFromMetaJsonLabels("not json"), undefined);
  assert.equal(localityFromMetaJsonLabels("[1]"), undefined);
  assert.equal(localityFromMetaJsonLabels(undefined), undefined);
});

Deno.test("proxy topology: the explicit locality wins; labels gain region, zone, subzone and network", () => {
  const identity = {
    labels: { istio: "ingressgateway", "istio-locality": "a.b" },
    namespace: "istio-system",
  };
  assert.deepEqual(proxyTopology(identity), {
    locality: "a/b",
    labels: {
      istio: "ingressgateway",
      "istio-locality": "a.b",
      "topology.kubernetes.io/region": "a",
      "topology.kubernetes.io/zone": "b",
    },
  });
  const explicit = proxyTopology({ ...identity, locality: "x/y/z", network: "n1" });
  assert.equal(explicit.locality, "x/y/z");
  assert.equal(explicit.labels["topology.istio.io/subzone"], "z");
  assert.equal(explicit.labels["topology.istio.io/network"], "n1");
  const own = proxyTopology({ ...identity, labels: { "topology.istio.io/network": "mine" }, network: "n1" });
  assert.equal(own.labels["topology.istio.io/network"], "mine", "a network label of its own is kept");
  assert.deepEqual(proxyTopology({ labels: {}, namespace: "ns" }), { locality: "", labels: {} });
});
