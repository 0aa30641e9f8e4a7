/**
 * The `portcullis:filter` WIT package (`wasm/wit/portcullis-filter.wit`) as the host sees it: its version,
 * the world's exports, and the core import names a component's main module uses for the world's imports
 * (`<package>/<interface>@<version>` and the function's WIT name, as wit-component names them).
 * @module
 */

/** The package name. */
export const WIT_PACKAGE = "portcullis:filter";
/** The package version this host implements; components built for any 0.1.x run. */
export const WIT_VERSION = "0.1.0";
/** The world filters target. */
export const WIT_WORLD = "http-filter";
/** The WIT source file. */
export const WIT_FILE_URL: URL = new URL("../wit/portcullis-filter.wit", import.meta.url);

/** The world's function exports, by WIT name. */
export const WORLD_EXPORTS = [
  "configure",
  "on-request-headers",
  "on-request-body",
  "on-response-headers",
  "on-response-body",
] as const;

/** One of {@linkcode WORLD_EXPORTS}. */
export type WorldExport = typeof WORLD_EXPORTS[number];

/** The world's imported interfaces and their functions. */
export const WORLD_IMPORTS = {
  http: ["get-header", "get-headers", "set-header", "add-header", "remove-header", "send-reply"],
  metrics: ["define", "increment", "record-value"],
  "shared-data": ["get", "set"],
  properties: ["get"],
  log: ["write"],
} as const;

/** An imported interface. */
export type WorldInterface = keyof typeof WORLD_IMPORTS;

/** The core module name of interface `name` at `version`. */
export function interfaceModule(name: WorldInterface, version = WIT_VERSION): string {
  return `${WIT_PACKAGE}/${name}@${version}`;
}

const MODULE_NAME = /^portcullis:filter\/([a-z-]+)@0\.1\.(0|[1-9][0-9]*)$/;

/** The interface a core import module name refers to, if it is one of this world's at a compatible version. */
export function parseInterfaceModule(module: string): WorldInterface | undefined {
  const m = MODULE_NAME.exec(module);
  if (!m || !Object.hasOwn(WORLD_IMPORTS, m[1])) return undefined;
  return m[1] as WorldInterface;
}
