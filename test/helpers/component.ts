/**
 * Helpers for the component host tests: built test components and component plugins with isolated state
 * and a captured log, in either mode.
 * @module
 */
import { buildTestComponent } from "../../filters/toolchain/component_filters.ts";
import {
  type ComponentMode,
  type ComponentPlugin,
  type ComponentPluginOptions,
  loadComponentPlugin,
} from "../../wasm/component/mod.ts";
import { MetricStore, SharedData, SharedQueues, type WasmLogEntry } from "../../wasm/mod.ts";

const built = new Map<string, Promise<Uint8Array>>();

/** Test component `name` (built from `filters/testdata/component/` if needed). */
export function testComponent(name: string): Promise<Uint8Array> {
  let bytes = built.get(name);
  if (!bytes) built.set(name, bytes = buildTestComponent(name));
  return bytes;
}

/** A loaded component plugin with its log and metrics. */
export interface LoadedComponent extends AsyncDisposable {
  readonly plugin: ComponentPlugin;
  readonly log: WasmLogEntry[];
  readonly metrics: MetricStore;
}

/** Component `name` loaded in `mode` with fresh shared state, metrics and a captured log. */
export async function loadTestComponent(
  name: string,
  mode: ComponentMode,
  options: Partial<ComponentPluginOptions> = {},
): Promise<LoadedComponent> {
  const log: WasmLogEntry[] = [];
  const metrics = new MetricStore();
  const plugin = await loadComponentPlugin(await testComponent(name), {
    name,
    mode,
    metrics,
    sharedData: new SharedData(),
    sharedQueues: new SharedQueues(),
    logger: (entry) => log.push(entry),
    ...options,
  });
  return { plugin, log, metrics, [Symbol.asyncDispose]: () => plugin.dispose() };
}

/** Both ways of running a component. */
export const MODES: readonly ComponentMode[] = ["direct", "jco"];
