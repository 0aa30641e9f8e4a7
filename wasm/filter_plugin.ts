/**
 * One entry for a WasmPlugin's module, whatever its format: a component (the binary's layer is 1) runs
 * through the component host (`component/`), a core module through the Proxy-Wasm host (`runtime/`). Both
 * give the same {@linkcode Plugin}, so the data path does not care which it got.
 * @module
 */
import { isComponent } from "./component/detect.ts";
import { type ComponentPluginOptions, loadComponentPlugin } from "./component/plugin.ts";
import { loadPlugin, type Plugin } from "./runtime/plugin.ts";

/**
 * `bytes` loaded as a component plugin or a Proxy-Wasm plugin, by its preamble.
 * @throws {PluginLoadError} when it cannot be loaded or started.
 */
export function loadFilterPlugin(bytes: Uint8Array, options: ComponentPluginOptions): Promise<Plugin> {
  return isComponent(bytes) ? loadComponentPlugin(bytes, options) : loadPlugin(bytes, options);
}
