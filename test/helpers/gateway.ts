/**
 * Runs a real gateway in-process for end-to-end tests: config from files in a temp folder, listeners and
 * side servers on 127.0.0.1 only, ephemeral side ports.
 * @module
 */
import type { GatewayIdentity } from "../../gateway/compile/listeners.ts";
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
  /** Identity fields replacing the defaults (`istio=ingressgateway` in istio-system, no locality). */
  readonly identity?: Partial<GatewayIdentity>;
  /** Cache folder of downloaded Wasm modules. @default a new temp folder */
  readonly wasmCacheDir?: string;
  /** Folder of WasmPlugin image pull secrets. */
  readonly wasmCredentialsDir?: string;
  /** Registries pulled from over plain http. */
  readonly wasmInsecureRegistries?: readonly string[];
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
    identity: { labels: { istio: "ingressgateway" }, namespace: "istio-system", ...options.identity },
    bindAddress: "127.0.0.1",
    ports: { admin: 0, readiness: 0, prometheus: 0 },
    watch: options.watch,
    watchDebounceMs: 100,
    wasmCacheDir: options.wasmCacheDir ?? await Deno.makeTempDir(),
    wasmCredentialsDir: options.wasmCredentialsDir,
    wasmInsecureRegistries: options.wasmInsecureRegistries,
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

/** A Gateway on `port` (hosts `*`) and VirtualService `default/app` bound to it with `http` rules (YAML). */
export function gatewayWithRoutes(port: number, http: string): string {
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
${http}
---
`;
}

/** An endpoint of a test service: a port on 127.0.0.1, with labels. */
export type TestEndpoint = number | {
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
};

/** A STATIC ServiceEntry `default/<name>` (port 80) whose endpoints are ports on 127.0.0.1. */
export function staticService(name: string, endpoints: readonly TestEndpoint[]): string {
  const lines = endpoints.map((e) => {
    const { port, labels } = typeof e === "number" ? { port: e, labels: {} } : e;
    return `  - {address: 127.0.0.1, ports: {http: ${port}}, labels: ${JSON.stringify(labels)}}`;
  });
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
${lines.join("\n")}
---
`;
}

/** Writes `text` to a temp folder and starts a gateway on it (no file watch); the config must load cleanly. */
export async function serveConfig(text: string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config.yaml`, text);
  const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: false, ...options });
  const errors = gw.config.status?.errors ?? [];
  if (errors.length > 0) {
    await gw.close();
    throw new Error(`test config has errors:\n${errors.join("\n")}`);
  }
  return gw;
}

/** A Gateway + VirtualService + ServiceEntry routing everything on `port` to 127.0.0.1:`upstreamPort`. */
export function simpleConfig(port: number, upstreamPort: number, extra = ""): string {
  return gatewayWithRoutes(port, "  - route:\n    - destination: {host: app, port: {number: 80}}") +
    staticService("app", [upstreamPort]) + extra;
}
