/**
 * `portcullis validate PATH...`: loads config like `serve` would and prints every finding as
 * `file:line:col: severity: Kind ns/name: path: message`.
 * @module
 */
import { formatDiagnostic, hasErrors } from "../config/diagnostics.ts";
import { loadConfigPaths } from "../config/load.ts";
import { countResources } from "../config/config_set.ts";

/** Options of the validate command. */
export interface ValidateOptions {
  /** Also print notes about skipped non-Istio objects. @default false */
  readonly verbose?: boolean;
}

/** Runs validation over `paths`; returns the exit status (1 when any error was found, 2 for no input). */
export async function validateCommand(
  paths: readonly string[],
  options: ValidateOptions = {},
): Promise<number> {
  if (paths.length === 0) {
    console.error("usage: portcullis validate PATH...");
    return 2;
  }
  const result = await loadConfigPaths(paths);
  const sorted = [...result.diagnostics].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1
  );
  for (const d of sorted) {
    if (d.severity === "note" && !options.verbose) continue;
    console.log(formatDiagnostic(d));
  }
  const errors = sorted.filter((d) => d.severity === "error").length;
  const warnings = sorted.filter((d) => d.severity === "warning").length;
  const counts = Object.entries(countResources(result.config)).map(([k, n]) => `${n} ${k}`).join(", ");
  console.error(
    `${result.files.length} file(s): ${
      counts || "no Istio resources"
    }; ${errors} error(s), ${warnings} warning(s)`,
  );
  return hasErrors(result.diagnostics) ? 1 : 0;
}
