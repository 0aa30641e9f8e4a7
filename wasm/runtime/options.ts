/**
 * What a plugin is loaded with (`loadPlugin`'s options) and the defaults the host fills in.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import type { NodeInfo } from "../properties/resolve.ts";
import { type MetricStore, processMetrics } from "../state/metrics.ts";
import { processSharedData, type SharedData } from "../state/shared_data.ts";
import { processSharedQueues, type SharedQueues } from "../state/shared_queue.ts";
import type { HttpCallout } from "./callout.ts";
import { type HostClock, realClock } from "./clock.ts";
import { lineLogger, type WasmLogger } from "./logger.ts";

/** What happens to traffic when the plugin's VM cannot serve it (Istio's `failStrategy`). */
export type FailStrategy = "FAIL_CLOSE" | "FAIL_OPEN";

/** CPU and memory bounds of one VM. */
export interface SandboxLimits {
  /**
   * Fuel per callback: units are function entries, loop iterations and returns (about 2 ns each). A callback
   * that uses it up traps. `null` loads the module unmetered.
   * @default {20_000_000}
   */
  fuelPerCallback?: number | null;
  /**
   * Fuel for starting the VM: the start function, `_initialize`/`_start`, `on_vm_start`, `on_configure`.
   * @default {200_000_000}
   */
  fuelForStart?: number;
  /**
   * Linear memory cap in bytes (rounded down to 64 KiB pages), written into the module's memory limits.
   * @default {64 MiB}
   */
  maxMemoryBytes?: number;
  /**
   * Most body bytes a filter may hold while it buffers; beyond it the request gets 413, the response 500
   * (Envoy's buffer-limit replies).
   * @default {1 MiB}
   */
  maxBodyBytes?: number;
}

/** How often a failed VM is recreated: a token bucket of `burst` restarts refilled one per `intervalMs`. */
export interface RestartPolicy {
  /**
   * Restarts allowed back to back.
   * @default {3}
   */
  burst?: number;
  /**
   * Time to earn one more restart, in milliseconds.
   * @default {1000}
   */
  intervalMs?: number;
}

/** `loadPlugin`'s options: the WasmPlugin's fields and what the host gives the VM. */
export interface PluginOptions {
  /** Plugin name (`plugin_name`, the log prefix). */
  name: string;
  /** Root id (`plugin_root_id`; SDKs pick their root context by it). @default {""} */
  rootId?: string;
  /** VM id: VMs with the same id share shared data and queues. @default {""} */
  vmId?: string;
  /** The VM configuration (`VM_CONFIGURATION` buffer, read in `on_vm_start`). @default {empty} */
  vmConfig?: string | Uint8Array;
  /** The plugin configuration (`PLUGIN_CONFIGURATION`); an object is passed as JSON, as Istio does. */
  pluginConfig?: string | Uint8Array | Record<string, unknown>;
  /** Environment for WASI `environ_*` (Istio's `vmConfig.env`, already resolved). */
  env?: Readonly<Record<string, string>>;
  /** Where logs go. @default {console.error lines} */
  logger?: WasmLogger;
  /**
   * Messages below this level are dropped before they are decoded; a function is read on every call (a level
   * changed at run time, e.g. through admin `/logging`). @default {LogLevel.Info}
   */
  logLevel?: LogLevel | (() => LogLevel);
  /** @default {"FAIL_CLOSE"} */
  failStrategy?: FailStrategy;
  /** CPU and memory bounds. */
  limits?: SandboxLimits;
  /** Recreation of failed VMs. */
  restart?: RestartPolicy;
  /** Carries `proxy_http_call`; without it every call fails with `BAD_ARGUMENT` (no such cluster). */
  callout?: HttpCallout;
  /** Metric sink. @default {the process-wide store} */
  metrics?: MetricStore;
  /** Shared data. @default {the process-wide store} */
  sharedData?: SharedData;
  /** Shared queues. @default {the process-wide queues} */
  sharedQueues?: SharedQueues;
  /** The gateway's node (`node.*` properties). */
  node?: NodeInfo;
  /** Host functions for `proxy_call_foreign_function`, by name (`clear_route_cache` is built in). */
  foreignFunctions?: Readonly<Record<string, (args: Uint8Array) => Uint8Array>>;
  /** Time, `on_tick` and HTTP-call timeouts. @default {the real clock} */
  clock?: HostClock;
}

/** {@linkcode PluginOptions} with every default applied. */
export interface PluginEnv {
  readonly name: string;
  readonly rootId: string;
  readonly vmId: string;
  readonly vmConfig: Uint8Array;
  readonly pluginConfig: Uint8Array;
  readonly env: Readonly<Record<string, string>>;
  readonly logger: WasmLogger;
  readonly logLevel: LogLevel;
  readonly failStrategy: FailStrategy;
  readonly fuelPerCallback: number | null;
  readonly fuelForStart: number;
  readonly maxMemoryPages: number;
  readonly maxBodyBytes: number;
  readonly restartBurst: number;
  readonly restartIntervalMs: number;
  readonly callout: HttpCallout | undefined;
  readonly metrics: MetricStore;
  readonly sharedData: SharedData;
  readonly sharedQueues: SharedQueues;
  readonly node: NodeInfo | undefined;
  readonly foreignFunctions: Readonly<Record<string, (args: Uint8Array) => Uint8Array>>;
  readonly clock: HostClock;
}

const encoder = new TextEncoder();

function bytesOf(value: string | Uint8Array | Record<string, unknown> | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  return encoder.encode(JSON.stringify(value));
}

/** The options with defaults applied. */
export function resolveOptions(options: PluginOptions): PluginEnv {
  const limits = options.limits ?? {};
  const maxMemoryBytes = limits.maxMemoryBytes ?? 64 * 1024 * 1024;
  return {
    name: options.name,
    rootId: options.rootId ?? "",
    vmId: options.vmId ?? "",
    vmConfig: bytesOf(options.vmConfig),
    pluginConfig: bytesOf(options.pluginConfig),
    env: options.env ?? {},
    logger: options.logger ?? lineLogger(),
    get logLevel(): LogLevel {
      const level = options.logLevel;
      return typeof level === "function" ? level() : level ?? LogLevel.Info;
    },
    failStrategy: options.failStrategy ?? "FAIL_CLOSE",
    fuelPerCallback: limits.fuelPerCallback === undefined ? 20_000_000 : limits.fuelPerCallback,
    fuelForStart: limits.fuelForStart ?? 200_000_000,
    maxMemoryPages: Math.floor(maxMemoryBytes / 65536),
    maxBodyBytes: limits.maxBodyBytes ?? 1024 * 1024,
    restartBurst: options.restart?.burst ?? 3,
    restartIntervalMs: options.restart?.intervalMs ?? 1000,
    callout: options.callout,
    metrics: options.metrics ?? processMetrics,
    sharedData: options.sharedData ?? processSharedData,
    sharedQueues: options.sharedQueues ?? processSharedQueues,
    node: options.node,
    foreignFunctions: options.foreignFunctions ?? {},
    clock: options.clock ?? realClock,
  };
}
