/**
 * `deno task bench`: runs every benchmark script in this folder, one after another.
 * @module
 */
const SCRIPTS = [
  "config_compile.ts",
  "handler.ts",
  "authz.ts",
  "jwt.ts",
  "telemetry.ts",
  "tracing.ts",
  "dashboard.ts",
  "wasm_filter.ts",
  "component_filter.ts",
  "lua_filter.ts",
  "filters.ts",
  "upstream_client.ts",
  "data_path.ts",
  "startup.ts",
];

for (const script of SCRIPTS) {
  console.log(`== ${script}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, import.meta.url).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) Deno.exit(code);
}
