/**
 * Test helpers for config: load YAML text and look at what validation said.
 * @module
 */
import type { Diagnostic } from "../../gateway/config/diagnostics.ts";
import { formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import { loadConfigTexts, type LoadResult } from "../../gateway/config/load.ts";

/** Loads one YAML text (any number of documents) as the file `test.yaml`. */
export function loadYaml(text: string, file = "test.yaml"): LoadResult {
  return loadConfigTexts([{ file, text }]);
}

/** The errors of a load, formatted as `validate` prints them. */
export function errorsOf(result: LoadResult): string[] {
  return result.diagnostics.filter((d: Diagnostic) => d.severity === "error").map(formatDiagnostic);
}

/** The warnings of a load, formatted as `validate` prints them. */
export function warningsOf(result: LoadResult): string[] {
  return result.diagnostics.filter((d: Diagnostic) => d.severity === "warning").map(formatDiagnostic);
}
