/**
 * The gateway's WasmPlugins at run time: for each snapshot, the filter chain of every listener port, with a
 * plugin instance per plugin version. An unchanged plugin (same url, sha256, config, env...) keeps its instance
 * and VM across snapshots; a changed one loads in the background while the version it replaces keeps serving,
 * and the old one is disposed once its in-flight requests end.
 * @module
 */
import type { Snapshot } from "../compile/types.ts";
import type { CompiledWasmPlugin } from "../compile/wasm_plugins.ts";
import type { HttpCallout, LogLevel, NodeInfo, WasmLogger } from "../../wasm/mod.ts";
// The host's state modules only: the VM code loads with the first plugin (plugin_instance.ts).
import { lineLogger } from "../../wasm/runtime/logger.ts";
import { MetricStore } from "../../wasm/state/metrics.ts";
import { renderPrometheus } from "../../wasm/state/prometheus.ts";
import { SharedData } from "../../wasm/state/shared_data.ts";
import { SharedQueues } from "../../wasm/state/shared_queue.ts";
import { type FetchLog, ModuleSource } from "./module_source.ts";
import { fingerprint, type InstanceState, PluginInstance } from "./plugin_instance.ts";

/** A plugin's place in a port's chain: its current instance and, until that one is ready, the one it replaces. */
export interface ChainSlot {
  readonly spec: CompiledWasmPlugin;
  readonly instance: PluginInstance;
  /** The previous version, still serving while `instance` loads. */
  previous: PluginInstance | undefined;
}

/** A plugin's state, as `/config_dump` shows it. */
export interface WasmPluginStatus {
  readonly plugin: string;
  /** The module's URL; empty for Lua. */
  readonly url: string;
  /** `lua` for a Lua TrafficExtension. */
  readonly source?: "lua";
  readonly phase: string;
  readonly priority?: number;
  readonly failStrategy: string;
  readonly ports: readonly number[];
  readonly state: InstanceState;
  readonly lastError?: string;
  readonly restarts?: number;
  /** True while a previous version serves because this one is not ready. */
  readonly servingPrevious?: boolean;
}

/** Options of a WasmPluginManager. */
export interface WasmPluginManagerOptions {
  /** Where downloaded modules are cached. @default ".cache/wasm" */
  readonly cacheDir?: string;
  /** The folder of image pull secrets, `<dir>/<namespace>/<secret name>` (`--wasm-credentials`). */
  readonly credentialsDir?: string;
  /** Registries pulled from over plain http (`--wasm-insecure-registry`; `*` for all). */
  readonly insecureRegistries?: readonly string[];
  /** The gateway's log of module fetches and their failures. @default console.error */
  readonly log?: FetchLog;
  readonly callout: HttpCallout;
  readonly logger?: WasmLogger;
  /** Where Lua extensions log. @default the `logger` */
  readonly luaLogger?: WasmLogger;
  /** The level below which filters' log calls are dropped, read on each call. @default info */
  readonly logLevel?: () => LogLevel;
  /** The same for Lua extensions. @default {@linkcode logLevel} */
  readonly luaLogLevel?: () => LogLevel;
  /** The gateway's node, for the filters' `node.*` properties. */
  readonly node?: NodeInfo;
  /** The gateway's environment, for `valueFrom: HOST`. @default Deno.env.get */
  readonly hostEnv?: (name: string) => string | undefined;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Holds the plugin instances and the per-port chains of the current snapshot. */
export class WasmPluginManager {
  /** Metrics the filters define (rendered on `/stats/prometheus`). */
  readonly metrics: MetricStore = new MetricStore();
  readonly #ctx;
  #instances = new Map<string, PluginInstance>();
  #chains = new Map<number, readonly ChainSlot[]>();
  #unsupported: PluginInstance[] = [];

  constructor(options: WasmPluginManagerOptions) {
    const log = options.log ??
      { info: (m: string) => console.error(m), error: (m: string) => console.error(m) };
    this.#ctx = {
      modules: new ModuleSource({
        cacheDir: options.cacheDir ?? ".cache/wasm",
        credentialsDir: options.credentialsDir,
        insecureRegistries: options.insecureRegistries,
        log,
      }),
      log,
      callout: options.callout,
      metrics: this.metrics,
      sharedData: new SharedData(),
      sharedQueues: new SharedQueues(),
      logger: options.logger ?? lineLogger(),
      luaLogger: options.luaLogger ?? options.logger ?? lineLogger(),
      logLevel: options.logLevel,
      luaLogLevel: options.luaLogLevel ?? options.logLevel,
      node: options.node,
      hostEnv: options.hostEnv ?? readEnv,
    };
  }

  /** The chain of listener `port`; undefined when no plugin applies (the common case). */
  chain(port: number): readonly ChainSlot[] | undefined {
    return this.#chains.get(port);
  }

  /** Builds the chains of `snapshot`, reusing unchanged instances and retiring unused ones. */
  update(snapshot: Snapshot): void {
    const serving = new Map<string, PluginInstance>();
    for (const chain of this.#chains.values()) {
      for (const slot of chain) {
        const live = slot.instance.state === "ready" ? slot.instance : slot.previous;
        if (live) serving.set(slot.spec.key, live);
      }
    }
    const next = new Map<string, PluginInstance>();
    const instanceOf = (spec: CompiledWasmPlugin): PluginInstance => {
      const fp = fingerprint(spec);
      let inst = next.get(fp) ?? this.#instances.get(fp);
      if (!inst) inst = new PluginInstance(spec, this.#ctx);
      next.set(fp, inst);
      return inst;
    };
    const chains = new Map<number, readonly ChainSlot[]>();
    for (const [port, specs] of snapshot.wasmChains) {
      chains.set(
        port,
        specs.map((spec) => {
          const instance = instanceOf(spec);
          const old = serving.get(spec.key);
          const slot: ChainSlot = { spec, instance, previous: old !== instance ? old : undefined };
          if (slot.previous) {
            next.set(slot.previous.fingerprint, slot.previous);
            void instance.settled.then(() => {
              if (instance.state === "ready") slot.previous = undefined;
            });
          }
          return slot;
        }),
      );
    }
    this.#unsupported = snapshot.wasmPlugins.filter((p) => p.type === "NETWORK").map(instanceOf);
    for (const [fp, inst] of this.#instances) if (!next.has(fp)) inst.retire();
    this.#instances = next;
    this.#chains = chains;
    // Versions kept only as fallbacks are retired once their replacement is ready.
    for (const chain of chains.values()) {
      for (const slot of chain) {
        const previous = slot.previous;
        if (previous) void slot.instance.settled.then(() => this.#retireIfUnused(previous));
      }
    }
  }

  #retireIfUnused(inst: PluginInstance): void {
    for (const chain of this.#chains.values()) {
      for (const slot of chain) if (slot.instance === inst || slot.previous === inst) return;
    }
    if (this.#instances.get(inst.fingerprint) === inst) this.#instances.delete(inst.fingerprint);
    inst.retire();
  }

  /** True while a plugin of the current config is loading for the first time. */
  get loading(): boolean {
    for (const chain of this.#chains.values()) {
      for (const slot of chain) if (slot.instance.state === "loading" && !slot.previous) return true;
    }
    return false;
  }

  /** Each plugin's state and last error. */
  states(): WasmPluginStatus[] {
    const out = new Map<string, WasmPluginStatus & { ports: number[] }>();
    for (const [port, chain] of this.#chains) {
      for (const { spec, instance, previous } of chain) {
        const seen = out.get(spec.key);
        if (seen) {
          seen.ports.push(port);
          continue;
        }
        out.set(spec.key, {
          ...describe(instance),
          ports: [port],
          servingPrevious: previous ? true : undefined,
        });
      }
    }
    for (const inst of this.#unsupported) out.set(inst.spec.key, { ...describe(inst), ports: [] });
    return [...out.values()];
  }

  /** The filters' metrics in the Prometheus text format. */
  renderMetrics(): string {
    return renderPrometheus(this.metrics);
  }

  /** Disposes every instance. */
  async close(): Promise<void> {
    const all = [...this.#instances.values()];
    this.#instances.clear();
    this.#chains.clear();
    for (const inst of all) inst.retire();
    await Promise.all(all.map((i) => i.settled));
  }
}

function describe(inst: PluginInstance): WasmPluginStatus {
  const spec = inst.spec;
  return {
    plugin: spec.key,
    url: spec.url,
    source: spec.source?.kind,
    phase: spec.phase,
    priority: spec.priority,
    failStrategy: spec.failStrategy,
    ports: [],
    state: inst.state === "ready" && inst.plugin?.state === "failed" ? "failed" : inst.state,
    lastError: inst.lastError,
    restarts: inst.plugin?.restarts || undefined,
  };
}
