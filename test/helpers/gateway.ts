/**
 * Runs a real gateway in-process for end-to-end tests: config from files in a temp folder, listeners and
 * side servers on 127.0.0.1 only, ephemeral side ports.
 * @module
 */
import { DEFAULT_MESH_CONFIG, type MeshConfig } from "../../gateway/config/mesh/mod.ts";
import type { ConfigSource } from "../../gateway/server/config_manager.ts";
import { type RunningGateway, startGateway } from "../../gateway/server/gateway.ts";

/** A gateway under test with helpers to reach it. */
export interface TestGateway extends RunningGateway {
  /** Log lines the gateway wrote. */
  readonly logs: string[];
  /** URL of the admin server, e.g. `http://127.0.0.1:40000`. */
  readonly adminUrl: string;
}

/** Options of startTestGateway. */
export interface TestGatewayOptions {
  readonly mesh?: MeshConfig;
  readonly watch?: boolean;
}

/** Starts a gateway on `source` (bound to 127.0.0.1, side servers on free ports). */
export async function startTestGateway(
  source: ConfigSource,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const logs: string[] = [];
  const gw = await startGateway({
    source,
    mesh: options.mesh ?? DEFAULT_MESH_CONFIG,
    identity: { labels: { istio: "ingressgateway" }, namespace: "istio-system" },
    bindAddress: "127.0.0.1",
    ports: { admin: 0, readiness: 0, prometheus: 0 },
    watch: options.watch,
    watchDebounceMs: 100,
    log: (line) => logs.push(line),
  });
  return { ...gw, logs, adminUrl: `http://127.0.0.1:${gw.admin!.port}` };
}

/** Writes a file atomically, as editors and `kubectl` tools do: write a temp file, then rename over. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/** A Gateway + VirtualService + ServiceEntry routing everything on `port` to 127.0.0.1:`upstreamPort`. */
export function simpleConfig(port: number, upstreamPort: number, extra = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${port}, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: app, port: {number: 80}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app, namespace: default}
spec:
  hosts: [app.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: ${upstreamPort}}]
  endpoints: [{address: 127.0.0.1}]
${extra}`;
}
