/**
 * Content-addressed build cache: an output is stored as `<dir>/<name>-<hash>.wasm`, where the hash covers
 * every input file and the toolchain; a changed source or compiler gives a new file. Writes go through a
 * temporary file and a rename, so parallel test workers never read half a file.
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** Where built filters are kept (gitignored). */
export const FILTER_CACHE_DIR: string = fromFileUrl(new URL("../../.cache/filters/", import.meta.url));

/** The `.ts` files of `dir` except tests, sorted: a build's sources for {@linkcode hashInputs}. */
export async function sourcesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      out.push(join(dir, entry.name));
    }
  }
  return out.sort();
}

/** SHA-256 (hex, first 16 characters) of the strings and files given. */
export async function hashInputs(parts: readonly string[], files: readonly string[]): Promise<string> {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = parts.map((p) => encoder.encode(`${p}\0`));
  for (const file of [...files].sort()) {
    chunks.push(encoder.encode(`${file}\0`), await Deno.readFile(file), encoder.encode("\0"));
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cached output for `name`/`hash`, built with `build` when missing. */
export async function cached(
  dir: string,
  name: string,
  hash: string,
  build: () => Promise<Uint8Array>,
): Promise<{ bytes: Uint8Array; built: boolean }> {
  const path = join(dir, `${name}-${hash}.wasm`);
  try {
    return { bytes: await Deno.readFile(path), built: false };
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const bytes = await build();
  await Deno.mkdir(dir, { recursive: true });
  await writeAtomically(path, bytes);
  return { bytes, built: true };
}

/** Writes `bytes` to `path` through a temporary file and a rename (readers never see half a file). */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

/** Writes a build's output to `out` too (making its folder), for a build asked to leave a copy there. */
export async function writeCopy(out: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(resolve(out, ".."), { recursive: true });
  await writeAtomically(out, bytes);
}
