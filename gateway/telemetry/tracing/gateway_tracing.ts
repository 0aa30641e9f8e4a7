/**
 * The gateway's tracing across config changes: on every update the settings are resolved again and a new
 * {@link Tracer} made; the span exporter is kept while the export target stays the same, and an old one sends
 * what it holds and closes in the background.
 * @module
 */
import type { GatewayIdentity } from "../../compile/listeners.ts";
import { proxyTopology } from "../../compile/proxy_topology.ts";
import type { ConfigSet } from "../../config/config_set.ts";
import type { MeshConfig } from "../../config/mesh/mod.ts";
import type { OperatorContext } from "../access_log/formatter.ts";
import type { GatewayWorkload } from "../workload.ts";
import { compileCustomTags, type CompiledTag, literalTags } from "./custom_tags.ts";
import {
  BatchSpanExporter,
  type EncodedBatch,
  type ExporterOptions,
  type ExporterStats,
  type SpanTransport,
} from "./exporter.ts";
import { encodeOtlpJson, environmentResourceAttributes } from "./otlp_json.ts";
import { resolveTracing } from "./resolve.ts";
import type { SpanExportTarget, TracingSettings } from "./settings.ts";
import type { FinishedSpan } from "./span.ts";
import { type LocalNode, type TraceClock, Tracer } from "./tracer.ts";
import { encodeZipkinJson } from "./zipkin_json.ts";

/** Options of {@link GatewayTracing}. */
export interface GatewayTracingOptions {
  readonly identity: GatewayIdentity;
  readonly workload: GatewayWorkload;
  /** For formatter tags (`%HOSTNAME%`, `%CEL(...)%`). */
  readonly operators: OperatorContext;
  /** Sends span exports; without one spans are made and propagated but not sent. */
  readonly transport?: SpanTransport;
  readonly env?: (name: string) => string | undefined;
  /** Exporter tuning (queue, batch, interval, timers). */
  readonly exporter?: Pick<
    ExporterOptions,
    "maxQueue" | "maxBatch" | "minFlush" | "flushIntervalMs" | "timers"
  >;
  readonly clock?: TraceClock;
}

const encoder = new TextEncoder();

/** Tracing of the gateway: the current tracer and its exporter. */
export class GatewayTracing {
  readonly #o: GatewayTracingOptions;
  readonly #env: (name: string) => string | undefined;
  readonly #node: LocalNode;
  #tracer?: Tracer;
  #exporter?: BatchSpanExporter;
  #exportKey = "";
  #closing: Promise<void> = Promise.resolve();

  constructor(options: GatewayTracingOptions) {
    this.#o = options;
    this.#env = options.env ?? ((name) => Deno.env.get(name));
    const w = options.workload;
    this.#node = {
      // The node id the CEL `node` attribute carries (see cel/record_activation.ts).
      nodeId: `router~${w.name}.${w.namespace}`,
      zone: proxyTopology(options.identity).locality.split("/")[1] ?? "",
    };
  }

  /** The tracer of the current config; undefined when tracing is off. */
  get tracer(): Tracer | undefined {
    return this.#tracer;
  }

  /** The current settings; undefined when tracing is off. */
  get settings(): TracingSettings | undefined {
    return this.#tracer?.settings;
  }

  /** The current exporter's counters; undefined when spans are not exported. */
  get stats(): ExporterStats | undefined {
    return this.#exporter?.stats;
  }

  /** Resolves tracing for a new config; returns what could not be honoured. */
  update(config: ConfigSet, mesh: MeshConfig): string[] {
    const resolution = resolveTracing(config, mesh, this.#o.identity, this.#env);
    const warnings = [...resolution.warnings];
    const settings = resolution.settings;
    if (!settings) {
      this.#tracer = undefined;
      this.#replaceExporter(undefined, "");
      return warnings;
    }
    const resource = this.#resource(settings);
    const target = settings.export;
    const key = target ? JSON.stringify([target, resource]) : "";
    if (key !== this.#exportKey) {
      if (target && !this.#o.transport) {
        warnings.push("tracing: no transport for span exports; spans are not sent");
      }
      this.#replaceExporter(
        target && this.#o.transport ? this.#exporterFor(target, resource) : undefined,
        key,
      );
    }
    const exporter = this.#exporter;
    this.#tracer = new Tracer({
      settings,
      node: this.#node,
      tags: this.#tags(settings, mesh),
      report: exporter ? (span) => exporter.add(span) : () => {},
      clock: this.#o.clock,
    });
    return warnings;
  }

  /** Sends the spans waiting, including those of exporters replaced by config changes. */
  async flush(): Promise<void> {
    await Promise.all([this.#closing, this.#exporter?.flush()]);
  }

  /** Sends what is left (bounded by the export timeout) and stops. */
  async close(): Promise<void> {
    this.#tracer = undefined;
    this.#replaceExporter(undefined, "");
    await this.#closing;
  }

  #replaceExporter(next: BatchSpanExporter | undefined, key: string): void {
    const old = this.#exporter;
    this.#exporter = next;
    this.#exportKey = key;
    if (old) this.#closing = Promise.all([this.#closing, old.close()]).then(() => {});
  }

  #exporterFor(
    target: SpanExportTarget,
    resource: readonly (readonly [string, string])[],
  ): BatchSpanExporter {
    const serviceName = resource[0][1];
    const encode = target.format === "otlp"
      ? (spans: readonly FinishedSpan[]): EncodedBatch => ({
        contentType: "application/json",
        body: encoder.encode(encodeOtlpJson(spans, { attributes: resource, scopeName: "portcullis" })),
      })
      : (spans: readonly FinishedSpan[]): EncodedBatch => ({
        contentType: "application/json",
        body: encoder.encode(encodeZipkinJson(spans, serviceName)),
      });
    return new BatchSpanExporter({
      ...this.#o.exporter,
      cluster: target.cluster,
      authority: target.authority,
      path: target.path,
      headers: target.headers,
      timeoutMs: target.timeoutMs,
      encode,
      transport: this.#o.transport!,
    });
  }

  /** The span resource: the service cluster as `service.name`, then `OTEL_RESOURCE_ATTRIBUTES` if asked. */
  #resource(settings: TracingSettings): [string, string][] {
    const w = this.#o.workload;
    const serviceName = `${w.name}.${w.namespace}`;
    const detected = settings.environmentResource
      ? environmentResourceAttributes(this.#env("OTEL_RESOURCE_ATTRIBUTES"))
      : [];
    return [["service.name", serviceName], ...detected.filter(([k]) => k !== "service.name")];
  }

  /** Istio's `istio.*` tags (when enabled) and the custom tags, sorted by name; the first of a name wins. */
  #tags(settings: TracingSettings, mesh: MeshConfig): CompiledTag[] {
    const w = this.#o.workload;
    const istio: CompiledTag[] = settings.enableIstioTags
      ? literalTags([
        ["istio.canonical_revision", w.canonicalRevision],
        ["istio.canonical_service", w.canonicalService],
        ["istio.mesh_id", this.#env("ISTIO_META_MESH_ID") || mesh.trustDomain],
        ["istio.namespace", w.namespace],
        ["istio.cluster_id", w.cluster],
      ])
      : [];
    const all = [...istio, ...compileCustomTags(settings.customTags, this.#o.operators, this.#env)];
    all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return all.filter((t, i) => i === 0 || all[i - 1].name !== t.name);
  }
}
