/**
 * The on-disk cache of Wasm modules (`--wasm-cache`): each module in `<dir>/<sha256 of the module>.wasm`,
 * written through a temporary file and a rename, and checked against its name when read back.
 * @module
 */

/** The hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cached module whose SHA-256 is `sha256`; undefined when absent or damaged. */
export async function readCachedModule(cacheDir: string, sha256: string): Promise<Uint8Array | undefined> {
  const digest = sha256.toLowerCase();
  const cached = await Deno.readFile(`${cacheDir}/${digest}.wasm`).catch(() => undefined);
  return cached && (await sha256Hex(cached)) === digest ? cached : undefined;
}

/** Writes `bytes` (whose SHA-256 is `sha256`) to the cache; a failing cache is not fatal. */
export async function storeModule(cacheDir: string, sha256: string, bytes: Uint8Array): Promise<void> {
  await writeAtomically(cacheDir, `${sha256}.wasm`, bytes);
}

/** Writes `<dir>/<name>` through a temporary file and a rename; errors are swallowed (the cache is optional). */
export async function writeAtomically(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${dir}/${name}.tmp-${crypto.randomUUID()}`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${dir}/${name}`);
  } catch {
    // The module is in memory; only the next start pays the download again.
  }
}
