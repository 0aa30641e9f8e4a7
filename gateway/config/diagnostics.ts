/**
 * Diagnostics: the errors and warnings that loading and validating config produce, each pinned to a file,
 * a line, a column, a resource and a field path, and printed as `file:line:col: severity: Kind ns/name: path: message`.
 * @module
 */

/** How bad a diagnostic is: errors reject the config; warnings and notes are printed and let it through. */
export type Severity = "error" | "warning" | "note";

/** One finding about the config, with where it was found. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** `Kind namespace/name`, or empty for problems that belong to no resource (unreadable file, bad YAML). */
  readonly resource: string;
  /** Field path inside the resource, e.g. `spec.http[1].route[0].weight`; empty for the whole resource. */
  readonly path: string;
  readonly message: string;
}

/** A path into a document: object keys and array indexes. */
export type FieldPath = readonly (string | number)[];

/** Renders a field path as `http[1].route[0].weight`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Formats one diagnostic the way `validate` prints it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  const level = `${d.severity}: `;
  const subject = [d.resource, d.path].filter((s) => s !== "").join(": ");
  return `${where}: ${level}${subject ? subject + ": " : ""}${d.message}`;
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** A diagnostic about a whole file, at its first line. */
export function fileDiagnostic(file: string, message: string): Diagnostic {
  return { severity: "error", file, line: 1, col: 1, resource: "", path: "", message };
}
