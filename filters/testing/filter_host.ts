/**
 * A host emulator for unit-testing filters without a gateway: the real Proxy-Wasm host (`wasm/`) with a fake
 * clock, HTTP calls the test answers, and shared data, queues and metrics of its own, in the spirit of the
 * SDKs' own test frameworks (Go's `proxytest`, Rust's proxy-wasm-test-framework).
 *
 * @example A unit test
 * ```ts ignore
 * await using host = await FilterHost.load("filters/ratelimit", { config: { rules: [...] } });
 * const stream = host.stream({ source: "10.0.0.1" });
 * assert.equal(stream.sendRequestHeaders({ ":path": "/" }).action, "continue");
 * host.clock.advance(1000);
 * ```
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSdkFilter } from "../toolchain/sdk_filter.ts";
import {
  loadPlugin,
  LogLevel,
  type Metric,
  MetricStore,
  type NodeInfo,
  type Plugin,
  SharedData,
  SharedQueues,
  type WasmLogEntry,
} from "../../wasm/mod.ts";
import { FakeClock } from "./fake_clock.ts";
import { type HttpCall, recordingCallout } from "./http_calls.ts";
import { streamInfo, type StreamOptions, TestStream } from "./test_stream.ts";

/** What a filter under test is loaded with. */
export interface FilterHostOptions {
  /** The plugin configuration: an object is passed as JSON (as a WasmPlugin's `pluginConfig`). */
  readonly config?: Record<string, unknown> | string;
  /** The VM configuration. */
  readonly vmConfig?: string;
  /** `plugin_name` (the WasmPlugin's name). @default {"test"} */
  readonly name?: string;
  /** `plugin_root_id` (`pluginName`). @default {""} */
  readonly rootId?: string;
  /** `plugin_vm_id`. @default {""} */
  readonly vmId?: string;
  /** WASI environment (`vmConfig.env`). */
  readonly env?: Readonly<Record<string, string>>;
  /** `node.*` properties. */
  readonly node?: NodeInfo;
  /** Messages below this level are not kept. @default {LogLevel.Trace} */
  readonly logLevel?: LogLevel;
  /** Clusters `httpCall` may name; others fail at once as unknown. @default {any} */
  readonly clusters?: readonly string[];
  /** The clock's start, in milliseconds since the epoch. @default {1_700_000_000_000} */
  readonly startMs?: number;
  /**
   * Another host whose clock, shared data, queues and metrics this one uses: a second VM of the same plugin,
   * as the gateway runs one per plugin version (and would per worker).
   */
  readonly shareWith?: FilterHost;
  /** Fuel per callback (`null`: unmetered). @default {the gateway's} */
  readonly fuelPerCallback?: number | null;
}

/** The filter could not start; the message ends with what it logged (e.g. why it rejected its configuration). */
export class FilterLoadError extends Error {
  /** What the filter logged before it failed. */
  readonly logs: readonly WasmLogEntry[];

  /** An error with the host's `message`, the filter's log and the `cause`. */
  constructor(message: string, logs: readonly WasmLogEntry[], cause: unknown) {
    super(
      logs.length ? `${message}\nfilter log:\n${logs.map((e) => `  ${e.message}`).join("\n")}` : message,
      {
        cause,
      },
    );
    this.name = "FilterLoadError";
    this.logs = logs;
  }
}

/** Where a filter comes from: a folder with `filter.ts` (built, cached), a `.wasm` file, or the bytes. */
export type FilterSource = string | URL | Uint8Array;

async function moduleBytes(source: FilterSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const path = source instanceof URL ? fileURLToPath(source) : resolve(source);
  if (path.endsWith(".wasm")) return await Deno.readFile(path);
  return (await buildSdkFilter(path)).bytes;
}

/** A filter loaded in the real host with test doubles around it. */
export class FilterHost implements AsyncDisposable {
  /** The plugin (its `state`, `restarts`, `lastError`). */
  readonly plugin: Plugin;
  /** The filter's clock: `advance` fires ticks and call timeouts. */
  readonly clock: FakeClock;
  /** Every HTTP call the filter made, in order. */
  readonly httpCalls: HttpCall[];
  /** Everything the filter logged (at or above `logLevel`). */
  readonly logs: WasmLogEntry[];
  /** The metric store (shared with `shareWith`). */
  readonly metrics: MetricStore;
  /** The shared data store (shared with `shareWith`). */
  readonly sharedData: SharedData;
  /** The shared queues (shared with `shareWith`). */
  readonly sharedQueues: SharedQueues;
  readonly #vmId: string;

  private constructor(
    plugin: Plugin,
    parts: {
      clock: FakeClock;
      httpCalls: HttpCall[];
      logs: WasmLogEntry[];
      metrics: MetricStore;
      sharedData: SharedData;
      sharedQueues: SharedQueues;
      vmId: string;
    },
  ) {
    this.plugin = plugin;
    this.clock = parts.clock;
    this.httpCalls = parts.httpCalls;
    this.logs = parts.logs;
    this.metrics = parts.metrics;
    this.sharedData = parts.sharedData;
    this.sharedQueues = parts.sharedQueues;
    this.#vmId = parts.vmId;
  }

  /**
   * Loads the filter from `source` and starts its VM (`on_vm_start`, `on_configure`).
   * @throws {FilterLoadError} when it cannot start, e.g. its `onConfigure` rejected the configuration.
   */
  static async load(source: FilterSource, options: FilterHostOptions = {}): Promise<FilterHost> {
    const shared = options.shareWith;
    const clock = shared?.clock ?? new FakeClock(options.startMs ?? 1_700_000_000_000);
    const httpCalls: HttpCall[] = [];
    const logs: WasmLogEntry[] = [];
    const metrics = shared?.metrics ?? new MetricStore();
    const sharedData = shared?.sharedData ?? new SharedData();
    const sharedQueues = shared?.sharedQueues ?? new SharedQueues();
    const vmId = options.vmId ?? "";
    const bytes = await moduleBytes(source);
    let plugin: Plugin;
    try {
      plugin = await loadPlugin(bytes, {
        name: options.name ?? "test",
        rootId: options.rootId,
        vmId,
        vmConfig: options.vmConfig,
        pluginConfig: options.config,
        env: options.env,
        node: options.node,
        logger: (entry) => logs.push(entry),
        logLevel: options.logLevel ?? LogLevel.Trace,
        callout: recordingCallout(httpCalls, options.clusters),
        metrics,
        sharedData,
        sharedQueues,
        clock,
        limits: options.fuelPerCallback === undefined
          ? undefined
          : { fuelPerCallback: options.fuelPerCallback },
      });
    } catch (e) {
      throw new FilterLoadError((e as Error).message, logs, e);
    }
    return new FilterHost(plugin, { clock, httpCalls, logs, metrics, sharedData, sharedQueues, vmId });
  }

  /** A new request through the filter. */
  stream(options: StreamOptions = {}): TestStream {
    const info = streamInfo(options, this.clock.nowMs);
    return new TestStream(this.plugin.createStream(info), info);
  }

  /** The oldest HTTP call not answered yet; throws when there is none. */
  nextHttpCall(): HttpCall {
    const call = this.httpCalls.find((c) => !c.settled);
    if (!call) throw new Error(`No HTTP call is waiting (made: ${this.httpCalls.length})`);
    return call;
  }

  /** A counter's or gauge's value, a histogram's count, or undefined when the filter defined no such metric. */
  metric(name: string): number | undefined {
    const m: Metric | undefined = this.metrics.byName(name);
    if (!m) return undefined;
    return "value" in m ? m.value : m.count;
  }

  /** A shared-data value as text (this VM id's), or undefined. */
  shared(key: string): string | undefined {
    const v = this.sharedData.get(this.#vmId, key);
    return v === undefined ? undefined : new TextDecoder().decode(v.value);
  }

  /** The logged messages at or above `level`. */
  messages(level: LogLevel = LogLevel.Trace): string[] {
    return this.logs.filter((e) => e.level >= level).map((e) => e.message);
  }

  /** Stops the VM. */
  dispose(): Promise<void> {
    return this.plugin.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
