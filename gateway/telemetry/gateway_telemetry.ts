/**
 * The gateway's telemetry in one object: resolve the settings on every config change, then record each
 * finished request into Istio's metrics and the access logs, and end its trace.
 * @module
 */
import type { Registry } from "prom-client";
import type { GatewayIdentity } from "../compile/listeners.ts";
import type { ConfigSet } from "../config/config_set.ts";
import type { MeshConfig } from "../config/mesh/mod.ts";
import { AccessLogs } from "./access_log/access_logs.ts";
import type { ByteSink, WriterOptions } from "./access_log/writer.ts";
import { WriterPool } from "./access_log/writer_pool.ts";
import { nodeAttribute } from "./cel/mod.ts";
import type { CelMap } from "./cel/values.ts";
import { IstioMetrics } from "./metrics/istio_metrics.ts";
import type { RequestRecord } from "./request_record.ts";
import { type ResolveOptions, resolveTelemetry, type TelemetrySettings } from "./resolve/mod.ts";
import { gatewayWorkload } from "./workload.ts";
import type { GatewayTracing, GatewayTracingOptions } from "./tracing/gateway_tracing.ts";
import type { SpanTransport } from "./tracing/exporter.ts";
import { tracingRequested } from "./tracing/resolve.ts";
import type { Tracer } from "./tracing/tracer.ts";
import { tracing } from "../optional_modules.ts";

/** Options of {@link GatewayTelemetry}. */
export interface GatewayTelemetryOptions {
  /** Where the Istio metrics are registered (the registry served on `/stats/prometheus`). */
  readonly registry: Registry;
  /** This gateway's labels and namespace, as compiling uses them. */
  readonly identity: GatewayIdentity;
  /** The workload (Deployment) name; default the `app` label, else `istio-ingressgateway`. */
  readonly workloadName?: string;
  /** The cluster ID (`source_cluster`); default `Kubernetes`. */
  readonly clusterId?: string;
  /** `%HOSTNAME%`; default the machine's host name. */
  readonly hostname?: string;
  /** Most series per metric. @default 10000 */
  readonly maxSeries?: number;
  /** Access-log writer tuning. */
  readonly writer?: WriterOptions;
  /** Opens an access-log destination; default files and `/dev/stdout`, `/dev/stderr`. */
  readonly openSink?: (path: string) => Promise<ByteSink>;
  /** Resolution options (default metrics providers). */
  readonly resolve?: ResolveOptions;
  /** Sends span exports to the tracing provider's cluster; without one spans are not sent. */
  readonly spanTransport?: SpanTransport;
  /** Tracing tuning (environment, clock, exporter timers and bounds). */
  readonly tracing?: Pick<GatewayTracingOptions, "env" | "clock" | "exporter">;
}

/** Metrics, access logs and tracing of the gateway. */
export class GatewayTelemetry {
  readonly #identity: GatewayIdentity;
  readonly #metrics: IstioMetrics;
  readonly #pool: WriterPool;
  readonly #hostname: string;
  /** CEL's `node` attribute of this gateway, for access logs and span tags. */
  readonly #node: CelMap;
  readonly #resolveOptions: ResolveOptions;
  readonly #tracingOptions: GatewayTracingOptions;
  /** Made by the first config that asks for tracing (its code is not loaded before). */
  #tracing: GatewayTracing | undefined;
  #logs: AccessLogs;
  #errors = 0;
  #active = true;
  /** Writers being closed after config changes. */
  #closing: Promise<void> = Promise.resolve();

  /** Registers the metrics; until {@link update} runs, metrics are on and nothing is logged. */
  constructor(options: GatewayTelemetryOptions) {
    this.#identity = options.identity;
    const workload = gatewayWorkload(options.identity, {
      name: options.workloadName,
      cluster: options.clusterId,
    });
    this.#metrics = new IstioMetrics(options.registry, {
      workload,
      maxSeries: options.maxSeries,
    });
    this.#pool = new WriterPool(options.writer, options.openSink);
    this.#hostname = options.hostname ?? machineHostname();
    this.#node = nodeAttribute(workload);
    this.#resolveOptions = options.resolve ?? {};
    this.#tracingOptions = {
      ...options.tracing,
      identity: options.identity,
      workload,
      operators: { hostname: this.#hostname, node: this.#node },
      transport: options.spanTransport,
    };
    this.#logs = this.#compileLogs({
      metrics: { enabled: true, overrides: [] },
      accessLogs: [],
      sources: [],
      warnings: [],
    });
  }

  /**
   * Whether recording does anything: metrics enabled, an access log configured or tracing on. When false the
   * data path skips collecting request records altogether.
   */
  get active(): boolean {
    return this.#active;
  }

  /** The tracer of the current config; undefined while tracing is off. */
  get tracer(): Tracer | undefined {
    return this.#tracing?.tracer;
  }

  /** The gateway's tracing (settings and export counters); undefined until a config asked for tracing. */
  get tracing(): GatewayTracing | undefined {
    return this.#tracing;
  }

  /** Records that threw (and were skipped). */
  get errors(): number {
    return this.#errors;
  }

  /** Label sets the metrics refused because of the series limit. */
  get droppedSeries(): number {
    return this.#metrics.droppedSeries;
  }

  /**
   * Imports the code a config's telemetry needs beyond metrics and access logs: the tracer and span exporters
   * when a tracing provider is asked for. {@link update} needs it done for that config.
   */
  async loadFor(config: ConfigSet, mesh: MeshConfig): Promise<void> {
    if (tracingRequested(config, mesh, this.#identity)) await tracing.load();
  }

  /**
   * Re-resolves Telemetry and MeshConfig for a new config (call it on every snapshot swap, after
   * {@link loadFor}). Access-log destinations no longer used are flushed and closed in the background. Returns
   * the settings, whose warnings include overrides and filters that could not be compiled.
   */
  update(config: ConfigSet, mesh: MeshConfig): TelemetrySettings {
    const resolved = resolveTelemetry(config, mesh, this.#identity, this.#resolveOptions);
    const metricWarnings = this.#metrics.configure(resolved.metrics);
    this.#logs = this.#compileLogs(resolved);
    const tracingWarnings = this.#updateTracing(config, mesh);
    this.#active = resolved.metrics.enabled || !this.#logs.empty || this.tracer !== undefined;
    const closing = this.#pool.retain(this.#logs.paths);
    this.#closing = Promise.all([this.#closing, closing]).then(() => {});
    return {
      ...resolved,
      warnings: [...resolved.warnings, ...metricWarnings, ...this.#logs.warnings, ...tracingWarnings],
    };
  }

  /** Records one finished request into the metrics and the access logs, and ends its trace. Never throws. */
  record(rec: RequestRecord): void {
    try {
      rec.trace?.finish(rec);
      this.#metrics.record(rec);
      if (!this.#logs.empty) this.#logs.log(rec);
    } catch (e) {
      if (this.#errors++ === 0) console.error(`telemetry: a request could not be recorded: ${e}`);
    }
  }

  /** Writes out buffered access-log lines and spans, including those of logs dropped by config changes. */
  async flush(): Promise<void> {
    await Promise.all([this.#closing, this.#pool.flush(), this.#tracing?.flush()]);
  }

  /** Flushes and closes the access logs and the span exporter. */
  async close(): Promise<void> {
    await Promise.all([this.#closing, this.#pool.close(), this.#tracing?.close()]);
  }

  /** Tracing for a new config: off with no warnings while no config has asked for a provider. */
  #updateTracing(config: ConfigSet, mesh: MeshConfig): string[] {
    if (!this.#tracing) {
      if (!tracingRequested(config, mesh, this.#identity)) return [];
      const loaded = tracing.loaded;
      if (!loaded) throw new Error("telemetry: tracing is configured but not loaded; await loadFor() first");
      this.#tracing = new loaded.GatewayTracing(this.#tracingOptions);
    }
    return this.#tracing.update(config, mesh);
  }

  #compileLogs(settings: TelemetrySettings): AccessLogs {
    return new AccessLogs(settings.accessLogs, this.#pool, {
      hostname: this.#hostname,
      node: this.#node,
    });
  }
}

function machineHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "-";
  }
}
