/**
 * Owns the current snapshot: loads config from its sources, validates and compiles it, and swaps the result in
 * atomically. An invalid change is refused and the last good snapshot keeps serving.
 * @module
 */
import { type Diagnostic, formatDiagnostic, hasErrors } from "../config/diagnostics.ts";
import { type ConfigText, loadConfigTexts, type LoadResult, readConfigPaths } from "../config/load.ts";
import type { MeshConfig } from "../config/mesh/mod.ts";
import type { GatewayIdentity } from "../compile/listeners.ts";
import { compileSnapshot } from "../compile/snapshot.ts";
import type { Snapshot } from "../compile/types.ts";
import type { ComponentLog } from "../log/logger.ts";

/** Where config comes from: files and folders on disk, or texts held in memory (the demo). */
export type ConfigSource =
  | { readonly kind: "paths"; readonly paths: readonly string[] }
  | { readonly kind: "texts"; readonly texts: readonly ConfigText[] };

/** The result of the last reload attempt, as the admin API shows it. */
export interface ReloadStatus {
  readonly ok: boolean;
  readonly at: string;
  /** Version of the snapshot serving after this attempt. */
  readonly version: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Options of a ConfigManager. */
export interface ConfigManagerOptions {
  readonly source: ConfigSource;
  readonly mesh: MeshConfig;
  readonly identity: GatewayIdentity;
  /** Called before a new snapshot is swapped in: imports the optional code it needs; a failure refuses it. */
  readonly prepare?: (snapshot: Snapshot) => Promise<void>;
  /** Called after a new snapshot is swapped in. */
  readonly onSnapshot?: (snapshot: Snapshot) => void | Promise<void>;
  /** The `config` logger: loads (info), warnings, refusals (warning). */
  readonly log?: ComponentLog;
}

/** Loads, compiles and holds the gateway's config. */
export class ConfigManager {
  #options: ConfigManagerOptions;
  #current: Snapshot | undefined;
  #status: ReloadStatus | undefined;
  #reloads = { success: 0, failure: 0 };
  #running: Promise<ReloadStatus> | undefined;
  #again = false;
  /** The texts the serving snapshot was compiled from, and the status that load ended with. */
  #applied: { texts: readonly ConfigText[]; status: ReloadStatus } | undefined;

  constructor(options: ConfigManagerOptions) {
    this.#options = options;
  }

  /** The snapshot serving now; throws before the first successful load. */
  current(): Snapshot {
    if (!this.#current) throw new Error("no config loaded yet");
    return this.#current;
  }

  /** True once a snapshot has been loaded. */
  get loaded(): boolean {
    return this.#current !== undefined;
  }

  /** The outcome of the last reload attempt. */
  get status(): ReloadStatus | undefined {
    return this.#status;
  }

  /** Count of reloads by result. */
  get reloadCounts(): Readonly<{ success: number; failure: number }> {
    return this.#reloads;
  }

  /** Reloads now; concurrent calls coalesce so the newest files always get loaded once more. */
  reload(): Promise<ReloadStatus> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let status: ReloadStatus;
      do {
        this.#again = false;
        status = await this.#reloadOnce();
      } while (this.#again);
      this.#running = undefined;
      return status;
    })();
    return this.#running;
  }

  async #reloadOnce(): Promise<ReloadStatus> {
    const source = this.#options.source;
    let result: LoadResult;
    let texts: readonly ConfigText[];
    try {
      const read = source.kind === "paths"
        ? await readConfigPaths(source.paths)
        : { texts: source.texts, diagnostics: [] };
      texts = read.texts;
      // Unchanged files (a touch, a watched folder's other files) leave the serving snapshot as it is.
      if (read.diagnostics.length === 0 && this.#applied && sameTexts(this.#applied.texts, texts)) {
        return this.#status = this.#applied.status;
      }
      result = loadConfigTexts(texts);
      result = { ...result, diagnostics: [...read.diagnostics, ...result.diagnostics] };
    } catch (e) {
      return this.#refuse([`internal error while loading config: ${(e as Error).stack ?? e}`], []);
    }
    const warnings = result.diagnostics.filter((d) => d.severity === "warning");
    if (hasErrors(result.diagnostics)) {
      return this.#refuse(
        result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic),
        warnings,
      );
    }
    let next: Snapshot;
    try {
      next = compileSnapshot(result.config, {
        mesh: this.#options.mesh,
        identity: this.#options.identity,
        version: (this.#current?.version ?? 0) + 1,
        warnings,
      });
    } catch (e) {
      return this.#refuse([`internal error while compiling config: ${(e as Error).stack ?? e}`], warnings);
    }
    try {
      await this.#options.prepare?.(next);
    } catch (e) {
      return this.#refuse(
        [`internal error while loading code for config: ${(e as Error).stack ?? e}`],
        warnings,
      );
    }
    this.#current = next;
    this.#reloads.success++;
    this.#status = {
      ok: true,
      at: next.createdAt,
      version: next.version,
      errors: [],
      warnings: next.warnings.filter((w) => w.severity === "warning").map(formatDiagnostic),
    };
    this.#options.log?.info(
      `config v${next.version} loaded: ${next.listeners.length} listener(s), ${next.routeTables.size} route table(s), ${next.clusters.size} cluster(s)`,
    );
    for (const w of this.#status.warnings) this.#options.log?.warn(w);
    this.#applied = { texts, status: this.#status };
    await this.#options.onSnapshot?.(next);
    return this.#status;
  }

  #refuse(errors: string[], warnings: Diagnostic[]): ReloadStatus {
    this.#reloads.failure++;
    this.#status = {
      ok: false,
      at: new Date().toISOString(),
      version: this.#current?.version ?? 0,
      errors,
      warnings: warnings.map(formatDiagnostic),
    };
    const keeping = this.#current ? `keeping config v${this.#current.version}` : "no config to serve yet";
    this.#options.log?.warn(`config rejected (${errors.length} error(s)), ${keeping}:`);
    for (const e of errors) this.#options.log?.warn(`  ${e}`);
    return this.#status;
  }
}

function sameTexts(a: readonly ConfigText[], b: readonly ConfigText[]): boolean {
  return a.length === b.length && a.every((t, i) => t.file === b[i].file && t.text === b[i].text);
}
