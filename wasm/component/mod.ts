/**
 * WebAssembly components as gateway filters: the `portcullis:filter` WIT world (`../wit/`), run with the
 * host's own canonical ABI lowering (or jco's glue), behind the Proxy-Wasm host's `Plugin` and
 * `HttpFilterStream`.
 *
 * @example Usage
 * ```ts ignore
 * const plugin = await loadComponentPlugin(bytes, { name: "request-tag", pluginConfig: { deny: { pathPrefixes: ["/admin"] } } });
 * const stream = plugin.createStream(info);
 * const r = stream.onRequestHeaders(requestHeaderMap(line, headers), true);
 * ```
 * @module
 */
export { type ComponentShape, componentShape } from "./component_binary.ts";
export { compileComponent, type CompiledComponent, ComponentWorldError } from "./compile.ts";
export { isComponent, type WasmBinaryKind, wasmBinaryKind } from "./detect.ts";
export type { ComponentMode } from "./instance.ts";
export { type ComponentPlugin, type ComponentPluginOptions, loadComponentPlugin } from "./plugin.ts";
export { DEFAULT_COMPONENT_CACHE, transpileComponent, TRANSPILER } from "./transpile.ts";
export { WIT_PACKAGE, WIT_VERSION, WIT_WORLD, WORLD_EXPORTS, WORLD_IMPORTS } from "./world.ts";
