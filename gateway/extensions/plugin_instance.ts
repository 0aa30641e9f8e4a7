/**
 * One version of one WasmPlugin: its module fetched and loaded in the background (a Lua TrafficExtension's
 * code loads with no fetch), then serving streams. An instance counts the streams it serves, so a retired one
 * is disposed only once its last request ends.
 * @module
 */
import type { CompiledWasmPlugin } from "../compile/wasm_plugins.ts";
import type { HttpCallout, MetricStore, NodeInfo, Plugin, SharedData } from "../../wasm/mod.ts";
import type { LogLevel, SharedQueues, StreamInfo, WasmLogger } from "../../wasm/mod.ts";
import { luaHost, wasmHost } from "../optional_modules.ts";
import { type FetchLog, ModuleFetchError, type ModuleSource } from "./module_source.ts";
import { effectivePullPolicy } from "./oci/pull_policy.ts";

/** Where an instance stands: `unsupported` is a NETWORK plugin, which the gateway does not run. */
export type InstanceState = "loading" | "ready" | "failed" | "unsupported";

/** What loading needs from the gateway. */
export interface InstanceContext {
  /** Where modules come from (file, http(s), OCI registries, the cache). */
  readonly modules: ModuleSource;
  /** The gateway's log, for fetch failures. */
  readonly log: FetchLog;
  readonly callout: HttpCallout;
  readonly metrics: MetricStore;
  readonly sharedData: SharedData;
  readonly sharedQueues: SharedQueues;
  readonly logger: WasmLogger;
  /** Where Lua extensions log (Envoy's `lua` logger). */
  readonly luaLogger: WasmLogger;
  /** The filters' log level, read on each log call; undefined: info. */
  readonly logLevel?: () => LogLevel;
  /** The Lua extensions' log level, likewise. */
  readonly luaLogLevel?: () => LogLevel;
  /** The gateway's node (`node.*` properties). */
  readonly node?: NodeInfo;
  /** The gateway's own environment (`valueFrom: HOST`). */
  hostEnv(name: string): string | undefined;
}

/**
 * The identity of a plugin version: what, if changed, needs a new VM. Under `imagePullPolicy: Always` any change
 * of the resource counts, so that the image is pulled again.
 */
export function fingerprint(spec: CompiledWasmPlugin): string {
  const pullPolicy = effectivePullPolicy(spec.url, spec.imagePullPolicy);
  return JSON.stringify([
    spec.key,
    spec.url,
    spec.sha256,
    spec.imagePullSecret,
    pullPolicy === "Always" ? spec.resourceVersion : pullPolicy,
    spec.rootId,
    spec.pluginConfig,
    spec.env,
    spec.failStrategy,
    spec.type,
    spec.source,
  ]);
}

/** A plugin version, loading or loaded. */
export class PluginInstance {
  readonly spec: CompiledWasmPlugin;
  readonly fingerprint: string;
  state: InstanceState = "loading";
  /** Why it failed (fetch or load), or why its VM last failed. */
  #error: string | undefined;
  /** True when the module could not be fetched (Istio then installs a deny-all or allow-all filter). */
  fetchFailed = false;
  plugin: Plugin | undefined;
  /** Settles once the instance is ready or has failed. */
  readonly settled: Promise<void>;
  #active = 0;
  #retired = false;

  constructor(spec: CompiledWasmPlugin, ctx: InstanceContext) {
    this.spec = spec;
    this.fingerprint = fingerprint(spec);
    if (spec.type === "NETWORK") {
      this.state = "unsupported";
      this.#error = "NETWORK (TCP) WasmPlugins are not supported: only HTTP filters run";
      this.settled = Promise.resolve();
    } else {
      this.settled = this.#load(ctx);
    }
  }

  /** The last error, including a VM failure of a loaded plugin. */
  get lastError(): string | undefined {
    return this.#error ?? this.plugin?.lastError;
  }

  /** A stream for one request (counted until `released`). */
  createStream(info: StreamInfo): ReturnType<Plugin["createStream"]> {
    this.#active++;
    return this.plugin!.createStream(info);
  }

  /** A stream of this instance has completed. */
  released(): void {
    this.#active--;
    if (this.#retired && this.#active === 0) void this.#dispose();
  }

  /** No chain uses this instance any more: disposed once its streams have ended. */
  retire(): void {
    this.#retired = true;
    if (this.#active === 0) void this.#dispose();
  }

  async #dispose(): Promise<void> {
    await this.settled;
    const plugin = this.plugin;
    this.plugin = undefined;
    await plugin?.dispose().catch(() => {});
  }

  async #load(ctx: InstanceContext): Promise<void> {
    const spec = this.spec;
    if (spec.source) {
      const options = {
        name: spec.name,
        failStrategy: spec.failStrategy,
        logger: ctx.luaLogger,
        logLevel: ctx.luaLogLevel,
        callout: ctx.callout,
      };
      const code = spec.source.code;
      return await this.#adopt(luaHost.load().then((lua) => lua.loadLuaPlugin(code, options)));
    }
    let bytes: Uint8Array;
    try {
      bytes = await ctx.modules.fetch(spec);
    } catch (e) {
      this.fetchFailed = e instanceof ModuleFetchError;
      this.#fail(e);
      // Istio's agent logs the same line and puts an RBAC filter in the plugin's place.
      const rbac = spec.failStrategy === "FAIL_OPEN" ? "allow" : "deny";
      ctx.log.error(
        `error in converting the wasm config to local: cannot fetch Wasm module ${spec.url} ` +
          `(${spec.key}): ${(e as Error).message}. applying ${rbac} RBAC filter`,
      );
      return;
    }
    const env: Record<string, string> = {};
    for (const v of spec.env) {
      const value = v.fromHost ? ctx.hostEnv(v.name) : v.value;
      if (value !== undefined) env[v.name] = value;
    }
    const options = {
      name: spec.name,
      rootId: spec.rootId,
      pluginConfig: spec.pluginConfig,
      env,
      failStrategy: spec.failStrategy,
      callout: ctx.callout,
      metrics: ctx.metrics,
      sharedData: ctx.sharedData,
      sharedQueues: ctx.sharedQueues,
      logger: ctx.logger,
      logLevel: ctx.logLevel,
      node: ctx.node,
    };
    await this.#adopt(wasmHost.load().then((host) => host.loadFilterPlugin(bytes, options)));
  }

  /** Takes the plugin `loading` gives (or its failure); disposed at once if retired meanwhile. */
  async #adopt(loading: Promise<Plugin>): Promise<void> {
    try {
      const plugin = await loading;
      if (this.#retired && this.#active === 0) {
        await plugin.dispose();
        return;
      }
      this.plugin = plugin;
      this.state = "ready";
    } catch (e) {
      this.#fail(e);
    }
  }

  #fail(e: unknown): void {
    this.state = "failed";
    this.#error = (e as Error).message;
  }
}
