/**
 * Which Proxy-Wasm ABI a module was built for, from its `proxy_abi_version_*` marker export.
 * @module
 */

/** The ABI versions this host speaks. */
export type AbiVersion = "0.1.0" | "0.2.0" | "0.2.1";

const MARKERS: readonly [string, AbiVersion][] = [
  ["proxy_abi_version_0_2_1", "0.2.1"],
  ["proxy_abi_version_0_2_0", "0.2.0"],
  ["proxy_abi_version_0_1_0", "0.1.0"],
];

/** Thrown for a module that exports no known `proxy_abi_version_*` marker. */
export class UnknownAbiError extends Error {
  /** The error for a module with none of the markers. */
  constructor() {
    super("Cannot load the module: it exports no proxy_abi_version_0_1_0, _0_2_0 or _0_2_1 marker");
    this.name = "UnknownAbiError";
  }
}

/**
 * The newest ABI whose marker `module` exports.
 * @throws {UnknownAbiError} when it exports none (pre-spec builds, non-Proxy-Wasm modules).
 */
export function detectAbiVersion(module: WebAssembly.Module): AbiVersion {
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const [marker, version] of MARKERS) if (names.has(marker)) return version;
  throw new UnknownAbiError();
}
