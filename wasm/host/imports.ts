/**
 * The import object of a VM: every Proxy-Wasm host function of ABI 0.1.0 to 0.2.1 under `env` (SDK builds
 * import all of them), the two helpers Envoy's host adds (`pthread_equal`, `emscripten_notify_memory_growth`),
 * and WASI preview1 under `wasi_snapshot_preview1` and `wasi_unstable`.
 * @module
 */
import type { WasmVm } from "../runtime/vm.ts";
import { bufferFunctions } from "./buffers.ts";
import { contextFunctions } from "./context_functions.ts";
import { foreignFunctions } from "./foreign.ts";
import { headerMapFunctions } from "./header_maps.ts";
import { httpCallFunctions } from "./http_call.ts";
import { loggingFunctions } from "./logging.ts";
import { metricFunctions } from "./metrics.ts";
import { propertyFunctions } from "./properties.ts";
import { sharedStateFunctions } from "./shared_state.ts";
import { streamControlFunctions } from "./stream_control.ts";
import type { HostFunctions } from "./types.ts";
import { unimplementedFunctions } from "./unimplemented.ts";
import { wasiFunctions } from "./wasi.ts";

/** The Proxy-Wasm host functions (module `env`) of `vm`. */
export function proxyFunctions(vm: WasmVm): HostFunctions {
  return {
    ...loggingFunctions(vm),
    ...contextFunctions(vm),
    ...bufferFunctions(vm),
    ...headerMapFunctions(vm),
    ...streamControlFunctions(vm),
    ...httpCallFunctions(vm),
    ...sharedStateFunctions(vm),
    ...metricFunctions(vm),
    ...propertyFunctions(vm),
    ...foreignFunctions(vm),
    ...unimplementedFunctions(),
    pthread_equal: (a: number, b: number) => (a === b ? 1 : 0),
    emscripten_notify_memory_growth: () => {},
  };
}

/** The whole import object of `vm`. */
export function buildImports(vm: WasmVm): WebAssembly.Imports {
  const wasi = wasiFunctions(vm);
  return { env: proxyFunctions(vm), wasi_snapshot_preview1: wasi, wasi_unstable: wasi };
}
