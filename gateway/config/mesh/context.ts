/**
 * The state of one MeshConfig parse: where diagnostics go, how field paths map to positions in the file, and the
 * fields set aside because Portcullis does not type them.
 * @module
 */
import type { z } from "zod";
import { type Diagnostic, type FieldPath, formatPath, type Severity } from "../diagnostics.ts";
import { reportZodIssue } from "../schema/issues.ts";
import { rawPath } from "./normalize.ts";
import type { Source } from "./source.ts";

/** Collects the diagnostics and the untyped fields of one MeshConfig parse. */
export class Context {
  /** Fields set aside, by the formatted path of the message holding them (`""` for the top level). */
  readonly others = new Map<string, Record<string, unknown>>();
  constructor(readonly file: string, readonly source: Source, readonly out: Diagnostic[]) {}

  /** Reports a finding at `path`, a path of schema field names (mapped back to the keys as written). */
  report(severity: Severity, path: FieldPath, message: string, atKey = false): void {
    const at = this.source.locate(rawPath(this.source.raw, path), atKey);
    this.out.push({
      severity,
      file: this.file,
      ...at,
      resource: "MeshConfig",
      path: formatPath(path),
      message,
    });
  }

  /** Reports a zod issue of the value at `base`; unknown fields are warnings, as Istio ignores them. */
  reportIssue(base: FieldPath, issue: z.core.$ZodIssue): void {
    reportZodIssue(
      issue,
      base,
      (path, message, severity = "error", atKey = false) => this.report(severity, path, message, atKey),
      "warning",
    );
  }

  /** The record of untyped fields of the message at `path`, created on first use. */
  other(path: FieldPath): Record<string, unknown> {
    const key = formatPath(path);
    let o = this.others.get(key);
    if (!o) this.others.set(key, o = {});
    return o;
  }
}
