/**
 * Helpers for the WASM host tests: built test filters, plugins with isolated shared state and a captured
 * log, and header maps as the data path hands them over.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { buildTestFilter } from "../../filters/build.ts";
import {
  loadPlugin,
  MetricStore,
  type Plugin,
  type PluginOptions,
  requestHeaderMap,
  type RequestLine,
  responseHeaderMap,
  SharedData,
  SharedQueues,
  type WasmLogEntry,
} from "../../wasm/mod.ts";

const built = new Map<string, Promise<Uint8Array>>();

/** The binary of test filter `name` (built from `filters/testdata/` if needed). */
export function testFilter(name: string): Promise<Uint8Array> {
  let bytes = built.get(name);
  if (!bytes) built.set(name, bytes = buildTestFilter(name));
  return bytes;
}

/** A plugin's captured log. */
export interface CapturedLog {
  /** Every entry, in order. */
  readonly entries: WasmLogEntry[];
  /** The messages only. */
  messages(): string[];
}

/** A loaded test plugin with its log; disposing it disposes the plugin. */
export interface LoadedPlugin extends AsyncDisposable {
  /** The plugin. */
  readonly plugin: Plugin;
  /** Its log. */
  readonly log: CapturedLog;
}

/** A plugin of test filter `name` and its log; shared state is fresh unless the options give some. */
export async function loadTestPlugin(
  name: string,
  options: Partial<PluginOptions> = {},
): Promise<LoadedPlugin> {
  const entries: WasmLogEntry[] = [];
  const plugin = await loadPlugin(await testFilter(name), {
    name,
    metrics: new MetricStore(),
    sharedData: new SharedData(),
    sharedQueues: new SharedQueues(),
    logger: (entry) => entries.push(entry),
    ...options,
  });
  return {
    plugin,
    log: { entries, messages: () => entries.map((e) => e.message) },
    [Symbol.asyncDispose]: () => plugin.dispose(),
  };
}

/** Request headers with pseudo-headers, as the data path presents them. */
export function requestHeaders(
  line: Partial<RequestLine> = {},
  fields: [string, string][] = [],
): HeaderList {
  return requestHeaderMap(
    { method: "GET", path: "/", authority: "example.com", scheme: "http", ...line },
    HeaderList.from(fields),
  );
}

/** Response headers with `:status`. */
export function responseHeaders(status = 200, fields: [string, string][] = []): HeaderList {
  return responseHeaderMap(status, HeaderList.from(fields));
}

/** UTF-8 bytes of `s`. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** `b` decoded as UTF-8. */
export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** Waits until `check` holds (polling every 5 ms), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
