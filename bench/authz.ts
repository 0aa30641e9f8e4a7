/**
 * AuthorizationPolicy cost per request, without sockets: (1) the DENY/ALLOW evaluation of a 10-rule ALLOW
 * policy (hosts, methods, paths with templates, ipBlocks, remoteIpBlocks, headers, JWT claims) for a request
 * matching only the last rule, attributes built per request as the handler builds them; (2) the listener
 * handler of `bench/handler.ts` with and without that policy, the difference being what the request path pays.
 * Pass `--requests N` to change the measured count. Run: `deno run -A bench/authz.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { compileYaml } from "../test/helpers/config.ts";
import { gatewayConfig } from "./data_path.ts";
import { ClusterStates } from "../gateway/proxy/cluster_state.ts";
import { DnsCache } from "../gateway/proxy/dns.ts";
import { EndpointResolver } from "../gateway/proxy/endpoints.ts";
import { createHttpHandler } from "../gateway/proxy/handler.ts";
import { HeaderList } from "../gateway/proxy/header_list.ts";
import type { Snapshot } from "../gateway/compile/types.ts";
import type { UpstreamResponse } from "../gateway/proxy/upstream.ts";
import { authzAttributes } from "../gateway/security/authz/attributes.ts";
import { evaluateRbac } from "../gateway/security/authz/rbac.ts";
import { clientAddresses } from "../gateway/proxy/client_address.ts";

/** A 10-rule ALLOW policy; only the last rule matches the benchmark's request. */
export const TEN_RULE_POLICY = `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: bench, namespace: istio-system}
spec:
  rules:
  - to: [{operation: {hosts: ["admin.example", "*.internal"], methods: [DELETE]}}]
  - from: [{source: {ipBlocks: ["10.0.0.0/8", "192.168.0.0/16"]}}]
  - from: [{source: {remoteIpBlocks: ["203.0.113.0/24"]}}]
  - from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]
  - to: [{operation: {paths: ["/admin/*", "/internal/{*}/debug"]}}]
  - to: [{operation: {methods: [POST, PUT], paths: ["/api/v2/*"]}}]
  - when: [{key: "request.headers[x-api-key]", values: ["k-1", "k-2", "k-3"]}]
  - when: [{key: "request.auth.claims[groups]", values: [admins]}]
  - to: [{operation: {ports: ["9443"], notMethods: [GET]}}]
  - to: [{operation: {hosts: ["api.bench.example"], methods: [GET, HEAD], paths: ["/api/v1/*"]}}]
    when: [{key: "request.headers[user-agent]", notValues: ["curl*"]}]
---
`;

const BODY = new TextEncoder().encode("x".repeat(100));

function cannedUpstream(): Promise<UpstreamResponse> {
  return Promise.resolve({
    status: 200,
    headers: new HeaderList(["content-type", "text/plain", "content-length", "100"]),
    body: null,
    bodyBytes: BODY,
    whenDone: (callback: () => void) => callback(),
  });
}

function request(): Request {
  return new Request("http://api.bench.example/api/v1/items", {
    headers: { host: "api.bench.example", "user-agent": "bench", accept: "*/*" },
  });
}

const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5555 } } as Deno.ServeHandlerInfo<
  Deno.NetAddr
>;

/** µs per evaluation of the policy for one request (attributes included). */
function timeEvaluation(snapshot: Snapshot, n: number): number {
  const authz = snapshot.authz!;
  const req = request();
  const once = () => {
    const attrs = authzAttributes({
      req,
      authority: "api.bench.example",
      path: "/api/v1/items",
      fullPath: "/api/v1/items",
      scheme: "http",
      peer: "127.0.0.1",
      localAddress: "0.0.0.0:8080",
      addresses: clientAddresses("127.0.0.1", null, 0),
    });
    if (!evaluateRbac(authz, attrs).allowed) throw new Error("the benchmark request must be allowed");
  };
  for (let i = 0; i < n / 5; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) once();
  return (performance.now() - t0) * 1000 / n;
}

/** µs per request through the listener handler on `snapshot`. */
async function timeHandler(snapshot: Snapshot, n: number): Promise<number> {
  const handler = createHttpHandler({
    current: () => snapshot,
    port: 8080,
    routeName: "http.8080",
    endpoints: new EndpointResolver(new DnsCache()),
    clusters: new ClusterStates(),
    send: cannedUpstream,
  });
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const res = await handler(request(), info);
      if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    }
  };
  await run(n / 5);
  const t0 = performance.now();
  await run(n);
  return (performance.now() - t0) * 1000 / n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "100000" } },
  });
  const n = Number(values.requests);
  const plain = compileYaml(gatewayConfig(8080, 9));
  const guarded = compileYaml(gatewayConfig(8080, 9) + TEN_RULE_POLICY);
  // The best of three interleaved rounds: the machine is shared, and slow rounds are other work's.
  const best = { evaluation: Infinity, without: Infinity, with: Infinity };
  for (let round = 0; round < 3; round++) {
    best.evaluation = Math.min(best.evaluation, timeEvaluation(guarded, n));
    best.without = Math.min(best.without, await timeHandler(plain, n));
    best.with = Math.min(best.with, await timeHandler(guarded, n));
  }
  console.log(`authz: ${best.evaluation.toFixed(2)} µs/request to evaluate a 10-rule ALLOW policy`);
  console.log(
    `authz: handler ${best.without.toFixed(1)} µs/request without policies, ${
      best.with.toFixed(1)
    } µs with ` +
      `the 10-rule policy (+${(best.with - best.without).toFixed(1)} µs; best of 3 rounds of ${n} requests)`,
  );
}
