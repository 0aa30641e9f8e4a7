/**
 * Zod issues in the Kubernetes API server's wording, each reported at the field it concerns.
 * @module
 */
import type { z } from "zod";
import type { FieldPath, Severity } from "../diagnostics.ts";

/** Receives one finding: its path, message, severity (default error) and whether to point at the field's key. */
export type IssueReporter = (path: FieldPath, message: string, severity?: Severity, atKey?: boolean) => void;

/**
 * Maps a zod issue of the value at `base` onto the API server's wording; fields the schema does not know are
 * reported with `unknownFieldSeverity`.
 */
export function reportZodIssue(
  issue: z.core.$ZodIssue,
  base: FieldPath,
  report: IssueReporter,
  unknownFieldSeverity: Severity = "error",
): void {
  const path: FieldPath = [...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) report(path, "Required value");
      else report(path, `must be of type ${typeName(issue.expected)}: ${describeInput(issue.input)}`);
      return;
    }
    case "unrecognized_keys":
      for (const key of issue.keys) {
        report([...path, key], `unknown field "${key}"`, unknownFieldSeverity, true);
      }
      return;
    case "invalid_value":
      report(
        path,
        `Unsupported value: ${describeInput(issue.input)}: supported values: ${
          issue.values.map((v) => JSON.stringify(v)).join(", ")
        }`,
      );
      return;
    case "invalid_union": {
      const nested = issue.errors.flat();
      if (nested.length > 0) {
        for (const n of nested) {
          reportZodIssue(
            { ...n, path: [...issue.path, ...n.path] } as z.core.$ZodIssue,
            base,
            report,
            unknownFieldSeverity,
          );
        }
      } else report(path, issue.message);
      return;
    }
    default:
      report(path, issue.message);
  }
}

/** The API server's name for a zod type (`integer`, `object`, ...). */
function typeName(expected: string): string {
  switch (expected) {
    case "int":
      return "integer";
    case "record":
      return "object";
    default:
      return expected;
  }
}

/** A value as the API server quotes it in a message: scalars as JSON, containers by their type. */
function describeInput(input: unknown): string {
  if (input === null) return '"null"';
  if (Array.isArray(input)) return '"array"';
  if (typeof input === "object") return '"object"';
  if (typeof input === "bigint") return input.toString();
  return JSON.stringify(input) ?? String(input);
}
