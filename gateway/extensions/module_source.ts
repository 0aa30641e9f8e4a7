/**
 * Getting a WasmPlugin's module bytes from its `url`: `file://` read from disk, `http(s)://` downloaded and
 * checked against `sha256` when given, and kept in a cache folder by digest (`<sha256>.wasm`) so that a module
 * with a known digest is not downloaded again. `oci://` images are not pulled yet.
 * @module
 */
/** Why a module could not be had (the plugin's `lastError`). */
export class ModuleFetchError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "ModuleFetchError";
  }
}

/** How long a download may take (Istio's default fetch timeout). */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** The hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The module at `url`, checked against `sha256`; downloads are cached in `cacheDir`. */
export async function fetchModule(
  url: string,
  sha256: string | undefined,
  cacheDir: string,
): Promise<Uint8Array> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase() ?? "oci";
  if (scheme === "file") return await checked(await readFile(url), sha256, url);
  if (scheme === "http" || scheme === "https") return await download(url, sha256, cacheDir);
  throw new ModuleFetchError(
    `${scheme}:// modules are not supported yet (OCI image pulls are not implemented): ${url}`,
  );
}

async function readFile(url: string): Promise<Uint8Array> {
  const path = decodeURIComponent(url.slice("file://".length));
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new ModuleFetchError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function checked(bytes: Uint8Array, sha256: string | undefined, url: string): Promise<Uint8Array> {
  if (sha256 === undefined) return bytes;
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new ModuleFetchError(`module downloaded from ${url} has checksum ${actual}, expected ${sha256}`);
  }
  return bytes;
}

async function download(url: string, sha256: string | undefined, cacheDir: string): Promise<Uint8Array> {
  if (sha256 !== undefined) {
    const cached = await Deno.readFile(`${cacheDir}/${sha256.toLowerCase()}.wasm`).catch(() => undefined);
    if (cached && (await sha256Hex(cached)) === sha256.toLowerCase()) return cached;
  }
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new ModuleFetchError(`download of ${url} failed: HTTP ${res.status}`);
    }
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof ModuleFetchError) throw e;
    throw new ModuleFetchError(`download of ${url} failed: ${(e as Error).message}`);
  }
  await checked(bytes, sha256, url);
  await store(cacheDir, await sha256Hex(bytes), bytes);
  return bytes;
}

/** Writes the module to the cache through a temporary file and a rename; a failing cache is not fatal. */
async function store(cacheDir: string, digest: string, bytes: Uint8Array): Promise<void> {
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    const tmp = `${cacheDir}/${digest}.wasm.tmp-${crypto.randomUUID()}`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${cacheDir}/${digest}.wasm`);
  } catch {
    // The module is in memory; only the next start pays the download again.
  }
}
