/**
 * `portcullis serve`: runs the gateway on config files, or on the built-in demo when no `--config` is given.
 * @module
 */
import { parseArgs } from "node:util";
import { formatDiagnostic, hasErrors } from "../config/diagnostics.ts";
import { DEFAULT_MESH_CONFIG, loadMeshConfigFile, type MeshConfig } from "../config/mesh/mod.ts";
import { parseLabels } from "../compile/labels.ts";
import { localityFromLabels, localityFromMetaJsonLabels } from "../compile/proxy_topology.ts";
import { DEMO_CONFIG } from "../demo/config.ts";
import { startDemoUpstreams } from "../demo/upstreams.ts";
import type { ConfigSource } from "../server/config_manager.ts";
import { startGateway } from "../server/gateway.ts";
import { parseLogLevel } from "../log/levels.ts";

const SERVE_USAGE = `usage: portcullis serve [--config PATH]... [--mesh FILE] [options]
  --config PATH        Istio YAML file or folder (repeatable); without it the built-in demo runs
  --mesh FILE          MeshConfig fields, as in Istio's mesh ConfigMap
  --labels k=v,...     this gateway's workload labels (default app=istio-ingressgateway,istio=ingressgateway)
  --namespace NS       this gateway's namespace (default istio-system)
  --locality R/Z/S     this gateway's locality (region/zone/subzone) for locality load balancing; default:
                       the locality labels of --labels, else of $ISTIO_METAJSON_LABELS, else unknown
  --network NAME       this gateway's network (default $ISTIO_META_NETWORK)
  --port-offset N      add N to every Gateway port (serve port 80 as 8080 without root)
  --bind ADDR          listen on ADDR instead of each server's bind (default 0.0.0.0)
  --admin-port N       admin API on 127.0.0.1 (default 15000)
  --readiness-port N   /healthz/ready (default 15021)
  --prometheus-port N  /stats/prometheus (default 15090)
  --no-watch           do not reload when config files change
  --drain-seconds N    on SIGTERM, wait up to N s for in-flight requests (default 5)
  --wasm-cache DIR     cache of WasmPlugin modules downloaded over http(s) or pulled from OCI registries, by
                       sha256 (default .cache/wasm)
  --wasm-credentials DIR  WasmPlugin imagePullSecrets: DIR/<namespace>/<secret name> holds the Secret (YAML),
                       its .dockerconfigjson, or a folder with a .dockerconfigjson file
  --wasm-insecure-registry HOST  pull WasmPlugin images from HOST (host or host:port; * for all) over plain
                       http (repeatable)
  --log-level LEVEL    trace, debug, info, warning, error, critical or off (default info); changed at run
                       time with POST localhost:15000/logging?level=LEVEL or ?<logger>=LEVEL`;

/** Runs until SIGTERM/SIGINT; returns the exit status. */
export async function serveCommand(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        config: { type: "string", multiple: true },
        mesh: { type: "string" },
        labels: { type: "string", default: "app=istio-ingressgateway,istio=ingressgateway" },
        namespace: { type: "string", default: "istio-system" },
        locality: { type: "string" },
        network: { type: "string" },
        "port-offset": { type: "string", default: "0" },
        bind: { type: "string" },
        "admin-port": { type: "string", default: "15000" },
        "readiness-port": { type: "string", default: "15021" },
        "prometheus-port": { type: "string", default: "15090" },
        "no-watch": { type: "boolean", default: false },
        "drain-seconds": { type: "string", default: "5" },
        "wasm-cache": { type: "string", default: ".cache/wasm" },
        "wasm-credentials": { type: "string" },
        "wasm-insecure-registry": { type: "string", multiple: true },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  if (values.locality !== undefined && values.locality.split("/").length > 3) {
    console.error(`--locality: expected region/zone/subzone, got ${values.locality}\n${SERVE_USAGE}`);
    return 2;
  }
  const logLevel = parseLogLevel(values["log-level"]!);
  if (logLevel === undefined) {
    console.error(`--log-level: unknown level ${values["log-level"]}\n${SERVE_USAGE}`);
    return 2;
  }
  let mesh: MeshConfig = DEFAULT_MESH_CONFIG;
  if (values.mesh) {
    const loaded = await loadMeshConfigFile(values.mesh);
    for (const d of loaded.diagnostics) if (d.severity !== "note") console.error(formatDiagnostic(d));
    if (hasErrors(loaded.diagnostics)) return 1;
    mesh = loaded.mesh;
  }
  const demo = !values.config || values.config.length === 0;
  const source: ConfigSource = demo
    ? { kind: "texts", texts: [{ file: "<demo>", text: DEMO_CONFIG }] }
    : { kind: "paths", paths: values.config! };
  const stopDemo = demo ? startDemoUpstreams() : undefined;
  const port = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name}: not a port: ${v}`);
    return n;
  };
  const labels = parseLabels(values.labels!);
  const locality = values.locality ?? localityFromLabels(labels) ??
    localityFromMetaJsonLabels(Deno.env.get("ISTIO_METAJSON_LABELS"));
  const network = values.network ?? (Deno.env.get("ISTIO_META_NETWORK") || undefined);
  const gateway = await startGateway({
    source,
    mesh,
    identity: { labels, namespace: values.namespace!, locality, network },
    portOffset: Number(values["port-offset"]),
    bindAddress: values.bind,
    ports: {
      admin: port("admin-port", values["admin-port"]!),
      readiness: port("readiness-port", values["readiness-port"]!),
      prometheus: port("prometheus-port", values["prometheus-port"]!),
    },
    watch: !values["no-watch"],
    wasmCacheDir: values["wasm-cache"],
    wasmCredentialsDir: values["wasm-credentials"],
    wasmInsecureRegistries: values["wasm-insecure-registry"],
    logLevel,
  });
  if (!gateway.config.loaded) {
    console.error("no valid config yet: fix the errors above; watching for changes");
  }
  if (demo) {
    console.log(`demo: try  curl -s localhost:${8080 + Number(values["port-offset"])}/productpage`);
  }
  const drainMs = Number(values["drain-seconds"]) * 1000;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  });
  await Promise.race([gateway.close(), new Promise((r) => setTimeout(r, drainMs))]);
  await stopDemo?.();
  return 0;
}
