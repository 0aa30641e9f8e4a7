// Plugin and VM configuration: the VM configuration is read in on_vm_start, the plugin configuration in
// on_configure ("reject" makes on_configure fail); both, and the GREETING environment variable (WASI
// environ), are added to each request as headers.
import * as abi from "./lib/imports";
import { addHeader, getBufferString, PLUGIN_CONFIGURATION, REQUEST_HEADERS, VM_CONFIGURATION } from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

let vmConfig = "";
let pluginConfig = "";
let greeting = "";

function environment(name: string): string {
  const sizes = memory.data(8);
  abi.environ_sizes_get(sizes, sizes + 4);
  const count = load<u32>(sizes);
  const size = load<u32>(sizes + 4);
  const pointers = new ArrayBuffer(<i32>count * 4);
  const buffer = new ArrayBuffer(<i32>size);
  abi.environ_get(changetype<usize>(pointers), changetype<usize>(buffer));
  const prefix = name + "=";
  for (let i: u32 = 0; i < count; i++) {
    const start = load<u32>(changetype<usize>(pointers) + i * 4);
    let end = start;
    while (load<u8>(end) != 0) end++;
    const entry = String.UTF8.decodeUnsafe(start, end - start);
    if (entry.startsWith(prefix)) return entry.substring(prefix.length);
  }
  return "";
}

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_vm_start(context: u32, size: u32): u32 {
  const value = getBufferString(VM_CONFIGURATION, 0, size);
  vmConfig = value === null ? "<none>" : value;
  greeting = environment("GREETING");
  return 1;
}

export function proxy_on_configure(context: u32, size: u32): u32 {
  const value = getBufferString(PLUGIN_CONFIGURATION, 0, size);
  pluginConfig = value === null ? "<none>" : value;
  return pluginConfig == "reject" ? 0 : 1;
}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  addHeader(REQUEST_HEADERS, "x-vm-config", vmConfig);
  addHeader(REQUEST_HEADERS, "x-plugin-config", pluginConfig);
  addHeader(REQUEST_HEADERS, "x-env-greeting", greeting);
  return 0;
}
