/**
 * Watching config paths for changes. Folders are watched rather than files, so an editor's write-and-rename
 * and a Kubernetes ConfigMap update (an atomic swap of the `..data` link) are both seen; bursts of events are
 * debounced into one reload.
 * @module
 */
import { resolve } from "node:path";

/** A running watch; `close()` stops it. */
export interface ConfigWatch {
  close(): void;
}

/** Options of watchConfigPaths. */
export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs. @default 200 */
  readonly debounceMs?: number;
}

/**
 * Calls `onChange` (debounced) when a config file under the paths changes: a named file, a YAML file or
 * sub-folder under a named folder, or a ConfigMap's `..data` swap beside them. Other files in those folders
 * (logs, editor swap files) and read-only access are ignored.
 */
export async function watchConfigPaths(
  paths: readonly string[],
  onChange: () => void,
  options: WatchOptions = {},
): Promise<ConfigWatch> {
  const debounceMs = options.debounceMs ?? 200;
  const dirs = new Set<string>();
  const files = new Set<string>();
  const folders: string[] = [];
  for (const given of paths) {
    const p = resolve(given);
    try {
      const info = await Deno.stat(p);
      if (info.isDirectory) folders.push(p.replace(/\/+$/, ""));
      else files.add(p);
      dirs.add(info.isDirectory ? p : parentOf(p));
    } catch {
      files.add(p); // not there yet: watch where it will appear
      dirs.add(parentOf(p));
    }
  }
  const relevant = (path: string) => isConfigChange(path, files, folders);
  const watcher = Deno.watchFs([...dirs], { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    try {
      for await (const event of watcher) {
        if (event.kind === "access" || !event.paths.some(relevant)) continue;
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          onChange();
        }, debounceMs);
      }
    } catch {
      // the watcher was closed
    }
  })();
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      try {
        watcher.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Whether a change at `path` can change what the config paths load. */
export function isConfigChange(
  path: string,
  files: ReadonlySet<string>,
  folders: readonly string[],
): boolean {
  if (files.has(path)) return true;
  const name = path.slice(path.lastIndexOf("/") + 1);
  // Kubernetes swaps a mounted ConfigMap by relinking `..data` to a new `..<timestamp>` folder.
  const swap = name.startsWith("..");
  if (swap && [...files].some((f) => parentOf(f) === parentOf(path))) return true;
  const inFolder = folders.some((d) => path.startsWith(`${d}/`));
  // A name without an extension may be a folder moved in or out; YAML files are what a folder loads.
  return inFolder && (swap || /\.ya?ml$/i.test(name) || !name.includes("."));
}

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}
