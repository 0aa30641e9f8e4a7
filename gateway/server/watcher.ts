/**
 * Watching config paths for changes. Folders are watched rather than files, so an editor's write-and-rename
 * and a Kubernetes ConfigMap update (an atomic swap of the `..data` link) are both seen; bursts of events are
 * debounced into one reload.
 * @module
 */

/** A running watch; `close()` stops it. */
export interface ConfigWatch {
  close(): void;
}

/** Options of watchConfigPaths. */
export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs. @default 200 */
  readonly debounceMs?: number;
}

/** Calls `onChange` (debounced) whenever anything under the paths' folders changes. */
export async function watchConfigPaths(
  paths: readonly string[],
  onChange: () => void,
  options: WatchOptions = {},
): Promise<ConfigWatch> {
  const debounceMs = options.debounceMs ?? 200;
  const dirs = new Set<string>();
  for (const p of paths) {
    try {
      const info = await Deno.stat(p);
      dirs.add(info.isDirectory ? p : parentOf(p));
    } catch {
      dirs.add(parentOf(p)); // not there yet: watch where it will appear
    }
  }
  const watcher = Deno.watchFs([...dirs], { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    try {
      for await (const _event of watcher) {
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

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}
