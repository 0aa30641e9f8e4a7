/**
 * Finds the MeshConfig fields in a mesh config file: a plain map, a ConfigMap's `data.mesh` string, an
 * IstioOperator's `spec.meshConfig` or Helm values' `meshConfig`, with positions mapped back into the file.
 * @module
 */
import { type Diagnostic, type FieldPath, formatPath } from "../diagnostics.ts";
import { parseYamlFile, type YamlDocument } from "../yaml_document.ts";
import { isPlainObject, valueAt } from "./plain.ts";

/** Where the MeshConfig fields sit in the file, and how to turn a path among them into a line and column. */
export interface Source {
  readonly raw: unknown;
  locate(path: FieldPath, atKey: boolean): { line: number; col: number };
}

/**
 * Parses the file and finds its MeshConfig fields; undefined when there are none (all defaults) or the file is
 * unusable (an error was reported to `out`).
 */
export function findMeshSource(file: string, text: string, out: Diagnostic[]): Source | undefined {
  const parsed = parseYamlFile(file, text);
  out.push(...parsed.diagnostics);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return undefined;
  if (parsed.documents.length === 0) return undefined; // an empty file: all defaults
  const doc = parsed.documents[0];
  if (parsed.documents.length > 1) {
    const extra = parsed.documents[1];
    out.push({
      severity: "error",
      file,
      ...extra.position([]),
      resource: "",
      path: "",
      message: `a mesh config file holds one YAML document; found ${parsed.documents.length}`,
    });
    return undefined;
  }
  const fail = (path: FieldPath, message: string, atKey = false) => {
    out.push({
      severity: "error",
      file,
      ...doc.position(path, atKey),
      resource: "",
      path: formatPath(path),
      message,
    });
    return undefined;
  };
  const noteUnused = (path: FieldPath, what: string) => {
    out.push({
      severity: "note",
      file,
      ...doc.position(path, true),
      resource: "",
      path: formatPath(path),
      message: `${what} is not used by Portcullis`,
    });
  };
  const value = doc.value;
  if (!isPlainObject(value)) {
    return fail([], "a mesh config must be a map of MeshConfig fields, a ConfigMap or an IstioOperator");
  }
  const at = (base: FieldPath): Source => ({
    raw: valueAt(value, base),
    locate: (path, atKey) => doc.position([...base, ...path], atKey),
  });

  if (value.kind === "ConfigMap") {
    const data = value.data;
    if (!isPlainObject(data) || !("mesh" in data)) return fail(["data"], "ConfigMap has no data.mesh");
    for (const key of Object.keys(data)) {
      if (key !== "mesh") noteUnused(["data", key], `ConfigMap key ${key}`);
    }
    const meshText = data.mesh;
    if (typeof meshText !== "string") {
      return fail(["data", "mesh"], "data.mesh must be a string holding the MeshConfig YAML");
    }
    return embeddedSource(file, text, doc, ["data", "mesh"], meshText, out);
  }
  const spec = value.spec;
  const isOperator = value.kind === "IstioOperator" ||
    (value.kind === undefined && isPlainObject(spec) && "meshConfig" in spec);
  if (isOperator) {
    if (!isPlainObject(spec)) return fail(["spec"], "IstioOperator has no spec");
    for (const key of Object.keys(spec)) {
      if (key !== "meshConfig") noteUnused(["spec", key], `IstioOperator field spec.${key}`);
    }
    if (spec.meshConfig === undefined || spec.meshConfig === null) return undefined;
    return at(["spec", "meshConfig"]);
  }
  if (typeof value.kind === "string" || typeof value.apiVersion === "string") {
    return fail(
      ["kind"],
      `expected MeshConfig fields, a ConfigMap with data.mesh or an IstioOperator with spec.meshConfig; found ${
        String(value.apiVersion ?? "")
      } ${String(value.kind ?? "")}`.trimEnd(),
    );
  }
  if ("meshConfig" in value) {
    // Helm values of the istiod chart: `meshConfig:` next to other chart values.
    for (const key of Object.keys(value)) if (key !== "meshConfig") noteUnused([key], `Helm value ${key}`);
    if (value.meshConfig === undefined || value.meshConfig === null) return undefined;
    return at(["meshConfig"]);
  }
  return at([]);
}

/** The MeshConfig YAML embedded in a ConfigMap string, with positions mapped back into the outer file. */
function embeddedSource(
  file: string,
  text: string,
  outer: YamlDocument,
  path: FieldPath,
  inner: string,
  out: Diagnostic[],
): Source | undefined {
  const start = outer.position(path);
  const lines = text.split(/\r\n|\r|\n/);
  const header = (lines[start.line - 1] ?? "").slice(start.col - 1);
  let map = (_p: { line: number; col: number }) => start;
  if (/^\|[0-9+-]*\s*(#.*)?$/.test(header)) {
    // A literal block scalar: inner line n is outer line start.line + n, shifted by the block's indentation.
    const first = lines.slice(start.line).find((l) => l.trim() !== "") ?? "";
    const indent = first.length - first.trimStart().length;
    map = (p) => ({ line: start.line + p.line, col: p.col + indent });
  }
  const parsed = parseYamlFile(file, inner);
  for (const d of parsed.diagnostics) out.push({ ...d, ...map(d), path: formatPath(path) });
  if (parsed.diagnostics.some((d) => d.severity === "error")) return undefined;
  if (parsed.documents.length === 0) return undefined;
  if (parsed.documents.length > 1) {
    out.push({
      severity: "error",
      file,
      ...map(parsed.documents[1].position([])),
      resource: "",
      path: formatPath(path),
      message: "data.mesh must hold one YAML document",
    });
    return undefined;
  }
  const doc = parsed.documents[0];
  if (!isPlainObject(doc.value)) {
    out.push({
      severity: "error",
      file,
      ...map(doc.position([])),
      resource: "",
      path: formatPath(path),
      message: "data.mesh must be a map of MeshConfig fields",
    });
    return undefined;
  }
  return { raw: doc.value, locate: (p, atKey) => map(doc.position(p, atKey)) };
}
