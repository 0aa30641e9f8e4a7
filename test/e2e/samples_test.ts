import assert from "node:assert/strict";
import { corpusPath } from "../helpers/corpus.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";

/** Serves Istio sample files as they are, with Gateway ports moved to a free port and ServiceEntries added. */
async function serveSample(
  files: string[],
  services: Record<string, { port: number; upstreams: TestUpstream[]; labels?: Record<string, string>[] }>,
): Promise<{ gw: TestGateway; base: string }> {
  const port = freePort();
  const dir = await Deno.makeTempDir();
  let i = 0;
  for (const file of files) {
    const text = await Deno.readTextFile(corpusPath(file));
    await Deno.writeTextFile(
      `${dir}/${i++}.yaml`,
      text.replace(/(\n\s+number: )(80|8080)\n/g, `$1${port}\n`),
    );
  }
  const entries = Object.entries(services).map(([host, s]) =>
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host}, namespace: default}
spec:
  hosts: [${host}.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${s.port}, name: http, protocol: HTTP}]
  endpoints:
${
      s.upstreams.map((u, j) =>
        `  - {address: 127.0.0.1, ports: {http: ${u.port}}, labels: ${JSON.stringify(s.labels?.[j] ?? {})}}`
      ).join("\n")
    }
`
  );
  await Deno.writeTextFile(`${dir}/services.yaml`, entries.join("---\n"));
  const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: false });
  assert.deepEqual(gw.config.status?.errors, []);
  return { gw, base: `http://127.0.0.1:${port}` };
}

Deno.test("bookinfo sample: the gateway's five paths reach productpage, everything else is 404", async () => {
  const productpage = startUpstream("productpage");
  const { gw, base } = await serveSample(
    ["istio-istio/samples/bookinfo/networking/bookinfo-gateway.yaml"],
    { productpage: { port: 9080, upstreams: [productpage] } },
  );
  try {
    for (const path of ["/productpage", "/static/css/x.css", "/login", "/logout", "/api/v1/products/0"]) {
      const r = await fetchText(`${base}${path}`, { headers: { host: "bookinfo.example" } });
      assert.deepEqual([r.status, r.body], [200, "productpage"], path);
    }
    for (const path of ["/", "/productpage/extra", "/reviews"]) {
      const r = await fetchText(`${base}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.body, "");
      assert.equal(r.headers.get("server"), "istio-envoy");
    }
  } finally {
    await gw.close();
    await productpage.close();
  }
});

Deno.test("helloworld sample: /hello is spread across the v1 and v2 endpoints", async () => {
  const v1 = startUpstream("v1");
  const v2 = startUpstream("v2");
  const { gw, base } = await serveSample(
    ["istio-istio/samples/helloworld/helloworld-gateway.yaml"],
    { helloworld: { port: 5000, upstreams: [v1, v2] } },
  );
  try {
    const counts: Record<string, number> = { v1: 0, v2: 0 };
    for (let i = 0; i < 40; i++) counts[(await fetchText(`${base}/hello`)).body]++;
    // Istio's default balancer is LEAST_REQUEST: with no load both endpoints are equally likely.
    assert.ok(counts.v1 >= 8 && counts.v2 >= 8, JSON.stringify(counts));
    assert.equal((await fetchText(`${base}/hello/x`)).status, 404);
  } finally {
    await gw.close();
    await v1.close();
    await v2.close();
  }
});

Deno.test("ingress-control task: Host httpbin.example.com /status/200 is 200, /headers is 404", async () => {
  const httpbin = startUpstream("httpbin");
  const { gw, base } = await serveSample(
    [
      "istio.io/ingress-control/ingress-control-1-gateway.yaml",
      "istio.io/ingress-control/ingress-control-2-virtualservice.yaml",
    ],
    { httpbin: { port: 8000, upstreams: [httpbin] } },
  );
  try {
    const ok = await fetchText(`${base}/status/200`, { headers: { host: "httpbin.example.com" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("server"), "istio-envoy");
    assert.equal(
      (await fetchText(`${base}/delay/1`, { headers: { host: "HTTPBIN.example.com" } })).status,
      200,
    );
    assert.equal(
      (await fetchText(`${base}/headers`, { headers: { host: "httpbin.example.com" } })).status,
      404,
    );
    assert.equal(
      (await fetchText(`${base}/status/200`, { headers: { host: "other.example.com" } })).status,
      404,
    );
  } finally {
    await gw.close();
    await httpbin.close();
  }
});

Deno.test("httpbin sample: every path and host reaches httpbin:8000; h2c prior knowledge works too", async () => {
  const httpbin = startUpstream("httpbin");
  const { gw, base } = await serveSample(
    ["istio-istio/samples/httpbin/httpbin-gateway.yaml"],
    { httpbin: { port: 8000, upstreams: [httpbin] } },
  );
  try {
    assert.equal((await fetchText(`${base}/anything/x?y=1`)).body, "httpbin");
    assert.equal(httpbin.requests[0].path, "/anything/x?y=1");
    const client = Deno.createHttpClient({ http1: false, http2: true });
    try {
      const res = await fetch(`${base}/h2`, { client });
      assert.equal(await res.text(), "httpbin");
      assert.equal(httpbin.requests[1].headers.get("host"), base.slice("http://".length));
    } finally {
      client.close();
    }
  } finally {
    await gw.close();
    await httpbin.close();
  }
});
