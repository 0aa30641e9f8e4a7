import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import { DEFAULT_MESH_CONFIG, type MeshConfig } from "../../gateway/config/mesh/mod.ts";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import {
  DUPLICATES_REQUEST,
  fetchText,
  freePort,
  rawExchange,
  startUpstream,
  type TestUpstream,
} from "../helpers/net.ts";

/** A gateway on `port` with the given VirtualService http rules, routing to service `app` → `upstream`. */
function gatewayWith(
  port: number,
  http: string,
  upstreamPort: number,
  mesh?: MeshConfig,
  extra = "",
): Promise<TestGateway> {
  return serveConfig(
    gatewayWithRoutes(port, http) +
      staticService("app", [{ port: upstreamPort, labels: { version: "v1" } }]) +
      staticService("down", [freePort()]) +
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: empty, namespace: default}
spec:
  hosts: [empty.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: nothing}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: app, namespace: default}
spec:
  host: app
  subsets: [{name: v1, labels: {version: v1}}, {name: v9, labels: {version: v9}}]
${extra}`,
    { mesh },
  );
}

async function withGateway(
  http: string,
  run: (base: string, upstream: TestUpstream) => Promise<void>,
  options: { mesh?: MeshConfig; handler?: (req: Request) => Response | Promise<Response> } = {},
): Promise<void> {
  const upstream = startUpstream("app", options.handler);
  const port = freePort();
  const gw = await gatewayWith(port, http, upstream.port, options.mesh);
  try {
    await run(`http://127.0.0.1:${port}`, upstream);
  } finally {
    await gw.close();
    await upstream.close();
  }
}

const ROUTE_ALL = "  - route: [{destination: {host: app}}]";

Deno.test("edge headers: server, upstream service time, request id, X-Forwarded-*, attempt count, hop-by-hop", async () => {
  await withGateway(ROUTE_ALL, async (base, upstream) => {
    const res = await fetchText(`${base}/x`, {
      headers: {
        "x-forwarded-for": "198.51.100.1",
        connection: "x-secret",
        "x-secret": "1",
        "x-keep": "1",
        "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/default/sa/admin",
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("server"), "istio-envoy");
    assert.match(res.headers.get("x-envoy-upstream-service-time") ?? "", /^\d+$/);
    const h = upstream.requests[0].headers;
    assert.equal(h.get("x-forwarded-for"), "198.51.100.1,127.0.0.1");
    assert.equal(h.get("x-forwarded-proto"), "http");
    assert.match(h.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(h.get("x-envoy-attempt-count"), "1");
    assert.equal(
      h.get("x-envoy-decorator-operation"),
      "app.default.svc.cluster.local:80/*",
      "one destination: its host and service port (Istio's getRouteOperation)",
    );
    assert.equal(h.get("x-secret"), null, "headers named by Connection are hop-by-hop");
    assert.equal(h.get("x-keep"), "1");
    assert.equal(
      h.get("x-forwarded-client-cert"),
      null,
      "a client cannot forge XFCC (SANITIZE_SET, no client cert)",
    );
    await fetchText(`${base}/x`, { headers: { "x-request-id": "abc" } });
    assert.equal(upstream.requests[1].headers.get("x-request-id"), "abc", "an internal request keeps its id");
    await fetchText(`${base}/x`, { headers: { "x-request-id": "abc", "x-forwarded-for": "198.51.100.1" } });
    assert.notEqual(upstream.requests[2].headers.get("x-request-id"), "abc", "an edge request gets a new id");
  });
});

Deno.test("edge headers: the other request fields go upstream in their order, repeats apart (as Envoy sends them)", async () => {
  await withGateway(ROUTE_ALL, async (base, upstream) => {
    await rawExchange(Number(new URL(base).port), DUPLICATES_REQUEST);
    const sent = ["host", "z-last", "x-dup", "a-first"];
    const passed = upstream.requests[0].fields.filter((f, i) => i % 2 === 0 && sent.includes(f));
    assert.deepEqual(passed, ["host", "z-last", "x-dup", "a-first", "x-dup"]);
    assert.deepEqual(upstream.requests[0].headers.get("x-dup"), "one, two");
  });
});

Deno.test("edge headers: with numTrustedProxies the client comes from X-Forwarded-For and x-envoy-* is stripped", async () => {
  const mesh: MeshConfig = {
    ...DEFAULT_MESH_CONFIG,
    defaultConfig: {
      ...DEFAULT_MESH_CONFIG.defaultConfig,
      gatewayTopology: { ...DEFAULT_MESH_CONFIG.defaultConfig.gatewayTopology, numTrustedProxies: 1 },
    },
  };
  await withGateway(ROUTE_ALL, async (base, upstream) => {
    await fetchText(`${base}/x`, {
      headers: { "x-forwarded-for": "203.0.113.9", "x-envoy-retry-on": "5xx", "x-forwarded-proto": "https" },
    });
    const h = upstream.requests[0].headers;
    assert.equal(h.get("x-envoy-external-address"), "203.0.113.9");
    assert.equal(h.get("x-envoy-retry-on"), null);
    assert.equal(h.get("x-forwarded-proto"), "https", "a trusted proxy's X-Forwarded-Proto is kept");
  }, { mesh });
});

Deno.test("rewrites: uri prefix, uriRegexRewrite, authority; x-envoy-original-path", async () => {
  const http = `  - match: [{uri: {prefix: /old}}]
    rewrite: {uri: /new, authority: backend.internal}
    route: [{destination: {host: app}}]
  - match: [{uri: {prefix: /service/}}]
    rewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\\\2/instance/\\\\1"}}
    route: [{destination: {host: app}}]`;
  await withGateway(http, async (base, upstream) => {
    await fetchText(`${base}/old/page?q=1`);
    assert.equal(upstream.requests[0].path, "/new/page?q=1");
    assert.equal(upstream.requests[0].headers.get("host"), "backend.internal");
    assert.equal(upstream.requests[0].headers.get("x-envoy-original-path"), "/old/page?q=1");
    await fetchText(`${base}/service/foo/v1/api`);
    assert.equal(upstream.requests[1].path, "/v1/api/instance/foo");
  });
});

Deno.test("header rules at route and destination level, both directions", async () => {
  const http = `  - headers:
      request: {set: {x-route: r}, add: {x-multi: a}, remove: [x-drop]}
      response: {set: {x-resp: r}, remove: [x-upstream]}
    route:
    - destination: {host: app}
      headers:
        request: {set: {x-dest: d}}
        response: {add: {x-dest-resp: d}}`;
  await withGateway(http, async (base, upstream) => {
    const res = await fetchText(`${base}/`, { headers: { "x-drop": "1", "x-multi": "z" } });
    const h = upstream.requests[0].headers;
    assert.equal(h.get("x-route"), "r");
    assert.equal(h.get("x-dest"), "d");
    assert.equal(h.get("x-drop"), null);
    assert.equal(h.get("x-multi"), "z, a");
    assert.equal(res.headers.get("x-resp"), "r");
    assert.equal(res.headers.get("x-dest-resp"), "d");
    assert.equal(res.headers.get("x-upstream"), null);
  });
});

Deno.test("redirects and direct responses", async () => {
  const http = `  - match: [{uri: {exact: /a}}]
    redirect: {uri: /b}
  - match: [{uri: {exact: /tls}}]
    redirect: {scheme: https, authority: secure.example.com, redirectCode: 302}
  - match: [{uri: {exact: /port}}]
    redirect: {port: 9443}
  - match: [{uri: {exact: /derive}}]
    redirect: {uri: /d, derivePort: FROM_REQUEST_PORT}
  - match: [{uri: {exact: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
  - match: [{uri: {exact: /bytes}}]
    directResponse: {status: 200, body: {bytes: "aGVsbG8="}}`;
  await withGateway(http, async (base) => {
    const host = base.slice("http://".length);
    const port = host.split(":")[1];
    let r = await fetchText(`${base}/a?x=1`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.get("location"), `http://${host}/b?x=1`);
    r = await fetchText(`${base}/tls`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "https://secure.example.com/tls");
    r = await fetchText(`${base}/port`);
    assert.equal(r.headers.get("location"), "http://127.0.0.1:9443/port");
    r = await fetchText(`${base}/derive`);
    assert.equal(r.headers.get("location"), `http://127.0.0.1:${port}/d`);
    r = await fetchText(`${base}/teapot`);
    assert.equal(r.status, 418);
    assert.equal(r.body, "short and stout");
    assert.equal(r.headers.get("server"), "istio-envoy");
    assert.equal((await fetchText(`${base}/bytes`)).body, "hello");
  });
});

Deno.test("failures: 404 no route, 503 unknown subset, 503 no healthy upstream, 503 connect failure, 504 timeout", async () => {
  const http = `  - match: [{uri: {prefix: /subset}}]
    route: [{destination: {host: app, subset: v9}}]
  - match: [{uri: {prefix: /nosubset}}]
    route: [{destination: {host: app, subset: nope}}]
  - match: [{uri: {prefix: /empty}}]
    route: [{destination: {host: empty}}]
  - match: [{uri: {prefix: /down}}]
    route: [{destination: {host: down}}]
  - match: [{uri: {prefix: /slow}}]
    timeout: 0.2s
    route: [{destination: {host: app}}]`;
  await withGateway(http, async (base) => {
    assert.equal((await fetchText(`${base}/other`)).status, 404);
    let r = await fetchText(`${base}/subset`);
    assert.deepEqual([r.status, r.body], [503, "no healthy upstream"], "subset with no endpoints");
    r = await fetchText(`${base}/nosubset`);
    assert.deepEqual([r.status, r.body], [503, ""], "unknown subset: NC");
    r = await fetchText(`${base}/empty`);
    assert.deepEqual([r.status, r.body], [503, "no healthy upstream"]);
    r = await fetchText(`${base}/down`);
    assert.equal(r.status, 503);
    assert.equal(
      r.body,
      "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure",
      "Istio's default policy retries connect failures twice",
    );
    const t0 = performance.now();
    r = await fetchText(`${base}/slow`);
    assert.deepEqual([r.status, r.body], [504, "upstream request timeout"]);
    assert.ok(performance.now() - t0 < 2000);
  }, {
    handler: async (req) => {
      if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 1000));
      return new Response("ok");
    },
  });
});

Deno.test("a client that disconnects cancels the upstream request", async () => {
  let cancelled = false;
  let resolveSeen!: () => void;
  const seen = new Promise<void>((r) => (resolveSeen = r));
  await withGateway(ROUTE_ALL, async (base) => {
    const ac = new AbortController();
    const pending = fetch(`${base}/hang`, { signal: ac.signal }).catch(() => undefined);
    await seen;
    await new Promise((r) => setTimeout(r, 150));
    ac.abort();
    await pending;
    const deadline = Date.now() + 3000;
    while (!cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(cancelled, "the upstream saw its request cancelled");
  }, {
    handler: (req) => {
      resolveSeen();
      return new Promise<Response>((resolve) => {
        req.signal.addEventListener("abort", () => {
          cancelled = true;
          resolve(new Response("late"));
        });
      });
    },
  });
});

Deno.test("weighted split: 90/10 across subsets is accurate over 2000 requests", async () => {
  const a = startUpstream("A");
  const b = startUpstream("B");
  const port = freePort();
  const http = `  - route:
    - destination: {host: app, subset: v1}
      weight: 90
    - destination: {host: other}
      weight: 10`;
  const extra = `---\n${staticService("other", [b.port])}`;
  const gw = await gatewayWith(port, http, a.port, undefined, extra);
  try {
    const counts: Record<string, number> = { A: 0, B: 0 };
    for (let i = 0; i < 2000; i++) counts[(await fetchText(`http://127.0.0.1:${port}/`)).body]++;
    // Binomial(2000, 0.1): mean 200, sd 13.4; 5 sd either side.
    assert.ok(counts.B > 133 && counts.B < 267, JSON.stringify(counts));
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

Deno.test("transparency: compressed bodies pass byte for byte, Set-Cookie lines stay separate", async () => {
  const plain = new TextEncoder().encode("hello hello hello hello hello hello");
  const gzipped = new Uint8Array(
    await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  await withGateway(ROUTE_ALL, async (base) => {
    // Deno's fetch always decompresses, so read the raw response with node:http.
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: Uint8Array }>(
      (resolve, reject) => {
        http.get(`${base}/gz`, { headers: { "accept-encoding": "gzip" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) }));
        }).on("error", reject);
      },
    );
    assert.equal(headers["content-encoding"], "gzip");
    assert.deepEqual(headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);
    assert.deepEqual(body, gzipped);
  }, {
    handler: () => {
      const headers = new Headers({ "content-encoding": "gzip", "content-type": "text/plain" });
      headers.append("set-cookie", "a=1; Path=/");
      headers.append("set-cookie", "b=2; Path=/");
      return new Response(gzipped, { headers });
    },
  });
});
