import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, type TestGateway } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";

/** An endpoint of service `app`: an upstream, its locality and labels. */
interface Placed {
  readonly upstream: TestUpstream;
  readonly locality: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A gateway routing `/` to service `app` over `endpoints`, with the DestinationRule `trafficPolicy` given. */
async function gateway(
  endpoints: readonly Placed[],
  trafficPolicy: string,
  identity: { locality?: string; labels?: Record<string, string> },
  ruleExtra = "",
): Promise<{ gw: TestGateway; base: string }> {
  const port = freePort();
  const lines = endpoints.map((e) =>
    `  - {address: 127.0.0.1, ports: {http: ${e.upstream.port}}, locality: ${e.locality}, labels: ${
      JSON.stringify(e.labels ?? {})
    }}`
  );
  const gw = await serveConfig(
    gatewayWithRoutes(port, `  - route: [{destination: {host: app, port: {number: 80}}}]\n${ruleExtra}`) +
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app, namespace: default}
spec:
  hosts: [app.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
${lines.join("\n")}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: app, namespace: default}
spec:
  host: app
  trafficPolicy:
${trafficPolicy}
`,
    { identity: { labels: { istio: "ingressgateway" }, ...identity } },
  );
  return { gw, base: `http://127.0.0.1:${port}` };
}

/** Sends `n` requests, `concurrency` at a time; returns how many answers each body (upstream name) got. */
async function spread(base: string, n: number, concurrency = 1): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      sent++;
      const r = await fetchText(`${base}/`);
      const key = r.status === 200 ? r.body : `status ${r.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

const OUTLIER =
  "    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}";

Deno.test("locality failover: traffic stays in the gateway's zone, then fails over to the failover region, then elsewhere", async () => {
  let failing = false;
  const local = [
    startUpstream("east-a", () => failing ? new Response("broken", { status: 503 }) : new Response("east-a")),
    startUpstream("east-b"),
  ];
  const eu = startUpstream("eu");
  const west = startUpstream("west");
  const { gw, base } = await gateway(
    [
      { upstream: west, locality: "us-west/zone1" },
      { upstream: eu, locality: "eu-west/zone1" },
      { upstream: local[0], locality: "us-east/zone1" },
      { upstream: local[1], locality: "us-east/zone1" },
    ],
    `    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting: {enabled: true, failover: [{from: us-east, to: eu-west}]}
${OUTLIER}`,
    { locality: "us-east/zone1" },
    '    retries: {attempts: 3, retryOn: "5xx,connect-failure,reset"}',
  );
  try {
    const before = await spread(base, 40);
    assert.deepEqual([...before.keys()].sort(), ["east-a", "east-b"], "all traffic stays local");
    // One local endpoint answers 503, the other is killed: both are ejected (consecutive5xxErrors: 1), retries
    // hide the failures from clients, and the failover region takes over; not us-west.
    failing = true;
    await local[1].kill();
    const during = await spread(base, 20);
    assert.deepEqual(
      [...during.keys()].filter((k) => !k.startsWith("east")),
      ["eu"],
      `answers ${[...during]}`,
    );
    const after = await spread(base, 30);
    assert.deepEqual([...after], [["eu", 30]]);
    await eu.kill();
    assert.deepEqual([...await spread(base, 30)], [["west", 30]], "then the other regions");
  } finally {
    await gw.close();
    await local[0].close();
    await west.close();
  }
});

Deno.test("locality distribute: an 80/20 split between zones holds statistically", async () => {
  const zone1 = startUpstream("zone1");
  const zone2 = startUpstream("zone2");
  const zone3 = startUpstream("zone3");
  const { gw, base } = await gateway(
    [
      { upstream: zone1, locality: "us-east/zone1" },
      { upstream: zone2, locality: "us-east/zone2" },
      { upstream: zone3, locality: "us-east/zone3" },
    ],
    `    loadBalancer:
      localityLbSetting:
        distribute:
        - from: us-east/zone1/*
          to: {"us-east/zone1/*": 80, "us-east/zone2/*": 20}`,
    { locality: "us-east/zone1/rack1" },
  );
  try {
    const n = 1000;
    const counts = await spread(base, n, 8);
    const share = (counts.get("zone1") ?? 0) / n;
    // 4 standard deviations of a binomial(1000, 0.8) share is ±0.05.
    assert.ok(Math.abs(share - 0.8) < 0.05, `zone1 share ${share}: ${[...counts]}`);
    assert.equal((counts.get("zone1") ?? 0) + (counts.get("zone2") ?? 0), n, "zone3 gets nothing");
  } finally {
    await gw.close();
    await zone1.close();
    await zone2.close();
    await zone3.close();
  }
});

Deno.test("locality: without a gateway locality nothing is preferred; failoverPriority matches the gateway's labels", async () => {
  const ups = ["a", "b", "c"].map((name) => startUpstream(name));
  const placed = [
    { upstream: ups[0], locality: "us-east/zone1", labels: { tier: "gold" } },
    { upstream: ups[1], locality: "us-west/zone1", labels: { tier: "silver" } },
    { upstream: ups[2], locality: "eu-west/zone1", labels: { tier: "gold" } },
  ];
  const policy = `    loadBalancer: {simple: ROUND_ROBIN}\n${OUTLIER}`;
  const unknown = await gateway(placed, policy, {});
  try {
    assert.deepEqual([...(await spread(unknown.base, 30))].sort(), [["a", 10], ["b", 10], ["c", 10]]);
  } finally {
    await unknown.gw.close();
  }
  const byLabel = await gateway(
    placed,
    `    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting: {failoverPriority: [tier]}
${OUTLIER}`,
    { labels: { istio: "ingressgateway", tier: "silver" } },
  );
  try {
    assert.deepEqual([...(await spread(byLabel.base, 20))], [["b", 20]], "only the gateway's tier");
  } finally {
    await byLabel.gw.close();
    for (const u of ups) await u.close();
  }
});

Deno.test("serve: the gateway's locality from ISTIO_METAJSON_LABELS, its network from --network; a bad --locality is refused", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "serve", "--locality", "a/b/c/d"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /--locality: expected region\/zone\/subzone/);

  const dir = await Deno.makeTempDir();
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app, namespace: default}
spec:
  hosts: [app.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, locality: us-east/zone1}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: app, namespace: default}
spec:
  host: app
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}
`,
  );
  const [admin, ready, prom] = [freePort(), freePort(), freePort()];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", main, "serve", "--config", dir, "--bind", "127.0.0.1", "--network", "net1"],
      ...[
        "--admin-port",
        String(admin),
        "--readiness-port",
        String(ready),
        "--prometheus-port",
        String(prom),
      ],
    ],
    env: { ISTIO_METAJSON_LABELS: '{"app":"gw","istio-locality":"us-east.zone1.rack1"}' },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let dump: { clusters: { name: string; localityLb?: Record<string, unknown> }[] } | undefined;
    assert.ok(
      await eventually(async () => {
        dump = JSON.parse((await fetchText(`http://127.0.0.1:${admin}/config_dump`)).body);
        return true;
      }, 15000),
    );
    const app = dump!.clusters.find((c) => c.name === "outbound|80||app.default.svc.cluster.local");
    assert.equal(app?.localityLb?.proxyLocality, "us-east/zone1/rack1");
    assert.deepEqual(app?.localityLb?.proxyLabels, {
      app: "istio-ingressgateway",
      istio: "ingressgateway",
      "topology.kubernetes.io/region": "us-east",
      "topology.kubernetes.io/zone": "zone1",
      "topology.istio.io/subzone": "rack1",
      "topology.istio.io/network": "net1",
    });
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
