/**
 * Config-plane benchmark: load + validate + compile N VirtualService routes over H hosts, and the cost of a
 * route lookup (virtual host + first matching route) as the number of hosts grows. Lookups are timed twice:
 * with traffic on a fixed set of 64 hosts (shows the algorithm: a map lookup and the host's own routes, so it
 * should stay flat), and spread over every host (adds the CPU-cache misses of a working set that outgrows
 * the caches).
 * Run: `deno task bench` (all benchmarks) or `deno run -A bench/config_compile.ts`.
 * @module
 */
import { loadConfigTexts } from "../gateway/config/load.ts";
import { DEFAULT_MESH_CONFIG } from "../gateway/config/mesh/mod.ts";
import { compileSnapshot } from "../gateway/compile/snapshot.ts";
import type { MatchInput } from "../gateway/compile/types.ts";

const IDENTITY = { labels: { istio: "ingressgateway" }, namespace: "istio-system" };

/** Config text with `hosts` VirtualServices of `routesPerHost` rules each, plus a ServiceEntry per host. */
export function generateConfig(hosts: number, routesPerHost: number): string {
  const docs: string[] = [`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]`];
  for (let h = 0; h < hosts; h++) {
    const rules: string[] = [];
    for (let r = 0; r < routesPerHost; r++) {
      const match = r % 3 === 0
        ? `{uri: {prefix: /api/v${r}/}, headers: {x-tenant: {exact: t${r}}}}`
        : r % 3 === 1
        ? `{uri: {regex: "/items/[0-9]+/r${r}"}}`
        : `{uri: {exact: /page/${r}}, method: {exact: GET}}`;
      rules.push(`  - name: r${r}
    match: [${match}]
    route:
    - destination: {host: svc${h}.bench.svc.cluster.local, port: {number: 80}}`);
    }
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs${h}, namespace: bench}
spec:
  hosts: [host${h}.example.com]
  gateways: [istio-system/gw]
  http:
${rules.join("\n")}`);
    docs.push(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: svc${h}, namespace: bench}
spec:
  hosts: [svc${h}.bench.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 10.0.${h >> 8}.${h & 255}}]`);
  }
  return docs.join("\n---\n") + "\n";
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

/** Builds the snapshot for a size and returns its timings. */
export function measureCompile(hosts: number, routesPerHost: number) {
  const text = generateConfig(hosts, routesPerHost);
  const [loaded, loadMs] = time(() => loadConfigTexts([{ file: "bench.yaml", text }]));
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`bench config invalid: ${errors[0].message}`);
  const [snapshot, compileMs] = time(() =>
    compileSnapshot(loaded.config, { mesh: DEFAULT_MESH_CONFIG, identity: IDENTITY })
  );
  return { snapshot, loadMs, compileMs };
}

/** Nanoseconds per lookup of the last route of a random host (best of five rounds after a warm-up). */
export function measureLookup(
  hosts: number,
  routesPerHost: number,
  hotHosts = hosts,
  iterations = 200_000,
): number {
  const { snapshot } = measureCompile(hosts, routesPerHost);
  const table = snapshot.routeTables.get("http.8080")!;
  const last = routesPerHost - 1;
  const inputs: MatchInput[] = [];
  for (let i = 0; i < 1024; i++) {
    const h = Math.floor(Math.random() * Math.min(hosts, hotHosts));
    const headers = new Map([["x-tenant", `t${last}`]]);
    inputs.push({
      method: "GET",
      path: last % 3 === 0 ? `/api/v${last}/x` : last % 3 === 1 ? `/items/42/r${last}` : `/page/${last}`,
      query: "",
      header: (n) => headers.get(n) ?? null,
      authority: `host${h}.example.com:8080`,
      scheme: "http",
      port: 8080,
    });
  }
  const run = (n: number) => {
    let found = 0;
    for (let i = 0; i < n; i++) {
      const input = inputs[i & 1023];
      const vh = table.lookup(input.authority);
      if (vh?.routes.find((r) => r.match.test(input))) found++;
    }
    if (found !== n) throw new Error(`lookup missed: ${n - found}`);
  };
  run(iterations); // warm up
  // Best of five rounds: the fastest round is the one least disturbed by garbage collection of the big config.
  let ns = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    run(iterations);
    ns = Math.min(ns, ((performance.now() - t0) * 1e6) / iterations);
  }
  return ns;
}

if (import.meta.main) {
  const { snapshot, loadMs, compileMs } = measureCompile(1000, 10);
  const routes = snapshot.routeTables.get("http.8080")!.virtualHosts.reduce((n, v) => n + v.routes.length, 0);
  console.log(`config: 1000 hosts, ${routes} routes`);
  console.log(
    `  load+validate ${loadMs.toFixed(0)} ms, compile ${compileMs.toFixed(0)} ms, total ${
      (loadMs + compileMs).toFixed(0)
    } ms (target < 2000 ms)`,
  );
  console.log("route lookup (virtual host + 10th route matched), ns per request:");
  console.log("   hosts   traffic on 64 hosts   traffic on all hosts (adds CPU-cache misses)");
  for (const hosts of [10, 100, 1000, 10000]) {
    const hot = measureLookup(hosts, 10, 64).toFixed(0).padStart(8);
    const all = measureLookup(hosts, 10).toFixed(0).padStart(8);
    console.log(`  ${String(hosts).padStart(6)}   ${hot}              ${all}`);
  }
}
