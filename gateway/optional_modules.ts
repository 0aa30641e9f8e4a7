/**
 * The gateway's optional subsystems, imported on first use instead of at startup: a config with no
 * WasmPlugin, TrafficExtension, RequestAuthentication or tracing provider never loads their code (the
 * Proxy-Wasm and component hosts, the Lua VM with `wasmoon`, the OCI client with `nanotar`, `jose`, the tracer
 * and span exporters). Each is imported once; a failed import stays failed.
 *
 * Callers import a module when a config that needs it is applied (`ConfigManagerOptions.prepare`) or when a
 * plugin loads, never per request: hot paths read {@linkcode OptionalModule.loaded}, and await
 * {@linkcode OptionalModule.load} only when it is not there yet (a handler built on such a snapshot directly).
 * @module
 */
import type * as WasmHostModule from "../wasm/filter_plugin.ts";
import type * as LuaHostModule from "../wasm/lua/plugin.ts";
import type * as OciPullModule from "./extensions/oci/oci_source.ts";
import type * as JwtAuthnModule from "./security/jwt/request_authn.ts";
import type * as TracingModule from "./telemetry/tracing/gateway_tracing.ts";

/** A module imported on first use. */
export interface OptionalModule<M> {
  /** Imports the module the first time; later calls share that import. Rejects as the import does. */
  load(): Promise<M>;
  /** The module once imported; undefined before. */
  readonly loaded: M | undefined;
}

/**
 * `specifier` (relative to this file) as an optional module. Its URL is computed on purpose: Deno reads and
 * analyses the modules behind a literal `import("...")` with the static graph at startup (without evaluating
 * them), which for these five cost 1.2 MB of idle RSS and ~40 ms of startup; a computed one is resolved only
 * when imported. The `import type` above keeps each one type-checked.
 */
function optionalModule<M>(specifier: string): OptionalModule<M> {
  let loading: Promise<M> | undefined;
  let loaded: M | undefined;
  return {
    load: () =>
      loading ??= (import(new URL(specifier, import.meta.url).href) as Promise<M>).then((m) => loaded = m),
    get loaded() {
      return loaded;
    },
  };
}

/** The Proxy-Wasm and component hosts (WasmPlugin modules). */
export const wasmHost: OptionalModule<typeof WasmHostModule> = optionalModule("../wasm/filter_plugin.ts");

/** The Lua host and its VM, `wasmoon` (TrafficExtensions with Lua code). */
export const luaHost: OptionalModule<typeof LuaHostModule> = optionalModule("../wasm/lua/plugin.ts");

/** The OCI registry client and image layers, `nanotar` (`oci://` WasmPlugin URLs). */
export const ociPull: OptionalModule<typeof OciPullModule> = optionalModule("./extensions/oci/oci_source.ts");

/** RequestAuthentication at run time: JWT verification with `jose`, remote JWKS. */
export const jwtAuthn: OptionalModule<typeof JwtAuthnModule> = optionalModule(
  "./security/jwt/request_authn.ts",
);

/** Tracing: the tracer, span encoders and exporter (a tracing provider is configured). */
export const tracing: OptionalModule<typeof TracingModule> = optionalModule(
  "./telemetry/tracing/gateway_tracing.ts",
);
