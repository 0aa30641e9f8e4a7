import assert from "node:assert/strict";
import { CONTINUE, LogLevel, PluginLoadError, Status, UnknownAbiError } from "../../wasm/mod.ts";
import { loadPlugin } from "../../wasm/mod.ts";
import { UNIMPLEMENTED_FUNCTIONS } from "../../wasm/host/unimplemented.ts";
import { WASI_FUNCTIONS } from "../../wasm/host/wasi.ts";
import { loadTestPlugin, requestHeaders, testFilter } from "../helpers/wasm.ts";
import { WasmVm } from "../../wasm/runtime/vm.ts";
import { compileFilter } from "../../wasm/runtime/compile.ts";
import { resolveOptions } from "../../wasm/runtime/options.ts";
import { buildImports } from "../../wasm/host/imports.ts";

/** Every host function of ABI 0.1.0, 0.2.0 and 0.2.1. */
const PROXY_FUNCTIONS = [
  "proxy_log",
  "proxy_get_log_level",
  "proxy_set_effective_context",
  "proxy_done",
  "proxy_get_current_time_nanoseconds",
  "proxy_set_tick_period_milliseconds",
  "proxy_get_buffer_bytes",
  "proxy_set_buffer_bytes",
  "proxy_get_buffer_status",
  "proxy_get_configuration",
  "proxy_get_header_map_size",
  "proxy_get_header_map_pairs",
  "proxy_set_header_map_pairs",
  "proxy_get_header_map_value",
  "proxy_add_header_map_value",
  "proxy_replace_header_map_value",
  "proxy_remove_header_map_value",
  "proxy_continue_stream",
  "proxy_close_stream",
  "proxy_continue_request",
  "proxy_continue_response",
  "proxy_clear_route_cache",
  "proxy_send_local_response",
  "proxy_get_status",
  "proxy_http_call",
  "proxy_grpc_call",
  "proxy_grpc_stream",
  "proxy_grpc_send",
  "proxy_grpc_cancel",
  "proxy_grpc_close",
  "proxy_get_shared_data",
  "proxy_set_shared_data",
  "proxy_register_shared_queue",
  "proxy_resolve_shared_queue",
  "proxy_enqueue_shared_queue",
  "proxy_dequeue_shared_queue",
  "proxy_define_metric",
  "proxy_increment_metric",
  "proxy_record_metric",
  "proxy_get_metric",
  "proxy_get_property",
  "proxy_set_property",
  "proxy_call_foreign_function",
];

Deno.test("every Proxy-Wasm and WASI host function is importable; the unimplemented ones say UNIMPLEMENTED", async () => {
  const compiled = await compileFilter(await testFilter("lean"), { initialFuel: 1000, maxMemoryPages: 16 });
  const vm = new WasmVm(compiled, resolveOptions({ name: "x", logger: () => {} }), { failed() {} });
  const imports = buildImports(vm);
  for (const name of PROXY_FUNCTIONS) assert.equal(typeof imports.env[name], "function", name);
  for (const name of WASI_FUNCTIONS) {
    assert.equal(typeof imports.wasi_snapshot_preview1[name], "function", name);
    assert.equal(typeof imports.wasi_unstable[name], "function", name);
  }
  for (const name of UNIMPLEMENTED_FUNCTIONS) {
    assert.equal((imports.env[name] as () => number)(), Status.Unimplemented, name);
  }
  await vm.dispose();
});

Deno.test("the ABI version comes from the marker export: 0.2.1, 0.2.0, 0.1.0; none is refused", async () => {
  for (const [name, abi] of [["lean", "0.2.1"], ["command", "0.2.0"], ["abi_v010", "0.1.0"]] as const) {
    await using loaded = await loadTestPlugin(name);
    assert.equal(loaded.plugin.abi, abi, name);
  }
  await assert.rejects(
    async () => await loadPlugin(await testFilter("no_abi"), { name: "x" }),
    (e: unknown) => e instanceof PluginLoadError && e.cause instanceof UnknownAbiError,
  );
});

Deno.test("a WASI command: _start may end with proc_exit(0); its stdout goes to the log", async () => {
  await using loaded = await loadTestPlugin("command");
  assert.deepEqual(loaded.log.entries.map((e) => [e.level, e.message]), [[
    LogLevel.Info,
    "hello from _start",
  ]]);
  const headers = requestHeaders();
  const stream = loaded.plugin.createStream();
  assert.equal(stream.onRequestHeaders(headers, true), CONTINUE);
  assert.equal(headers.get("x-command"), "started");
  stream.complete();
});

Deno.test("modules that cannot run here are refused with a reason", async () => {
  await assert.rejects(
    async () => await loadPlugin(await testFilter("start_calls_host"), { name: "x" }),
    /start function called a host function before its memory was available/,
  );
  await assert.rejects(
    async () => await loadPlugin(await testFilter("imports_memory"), { name: "x" }),
    /imports its memory/,
  );
  await assert.rejects(
    async () =>
      await loadPlugin(await testFilter("headers"), { name: "x", limits: { maxMemoryBytes: 65535 } }),
    /above the cap of 0 pages/,
  );
});

Deno.test("host bugs real filters expose: usize::MAX sizes, empty results, plugin_root_id on the root", async () => {
  await using loaded = await loadTestPlugin("bugs", {
    rootId: "bugs-root",
    vmConfig: "abc",
    logLevel: LogLevel.Warn,
  });
  const headers = requestHeaders();
  const stream = loaded.plugin.createStream();
  stream.onRequestHeaders(headers, true);
  assert.equal(headers.get("x-bug1"), "ok");
  assert.equal(headers.get("x-bug3"), "ok");
  assert.equal(headers.get("x-bug4"), "bugs-root");
  assert.equal(headers.get("x-log-level"), String(LogLevel.Warn));
  assert.equal(headers.get("x-grpc-status"), String(Status.Unimplemented));
  stream.complete();
});

Deno.test("logs below the plugin's level are dropped; the default line is Envoy's", async () => {
  const lines: string[] = [];
  const { lineLogger } = await import("../../wasm/mod.ts");
  await using quiet = await loadTestPlugin("command", { logLevel: LogLevel.Warn });
  assert.deepEqual(quiet.log.entries, []);
  const plugin = await loadPlugin(await testFilter("command"), {
    name: "cmd",
    rootId: "root",
    logger: lineLogger((line) => lines.push(line)),
  });
  await plugin.dispose();
  assert.deepEqual(lines, ["[info] wasm log cmd root: hello from _start"]);
});
