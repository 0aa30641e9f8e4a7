/**
 * Multi-document YAML parsing with positions: each document keeps its syntax tree so that any field path can
 * be turned back into the line and column where it was written.
 * @module
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { type Diagnostic, type FieldPath, fileDiagnostic } from "./diagnostics.ts";

/** One YAML document of a file, with its plain value and a way to locate fields in the source. */
export interface YamlDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  /** The document as plain JSON-like data. */
  readonly value: unknown;
  /** 1-based line and column of the node at `path`, or of its nearest existing ancestor. */
  position(path: FieldPath, keyOfLast?: boolean): { line: number; col: number };
}

/** Result of parsing one file: its documents and any syntax errors. */
export interface ParsedFile {
  readonly documents: YamlDocument[];
  readonly diagnostics: Diagnostic[];
}

/** Parses every document of a YAML text; syntax errors become diagnostics and their documents are dropped. */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: YamlDocument[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    diagnostics.push(fileDiagnostic(file, `cannot parse YAML: ${(e as Error).message}`));
    return { documents, diagnostics };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const errors = doc.errors;
    if (errors.length > 0) {
      for (const err of errors) {
        const at = lineCounter.linePos(err.pos[0]);
        diagnostics.push({
          severity: "error",
          file,
          line: at.line,
          col: at.col,
          resource: "",
          path: "",
          message: `invalid YAML: ${firstLine(err.message)}`,
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const at = lineCounter.linePos(doc.range[0]);
      diagnostics.push({ ...fileDiagnostic(file, `invalid YAML: ${(e as Error).message}`), ...at });
      return;
    }
    if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
    const root = doc.contents as Node | null;
    documents.push({
      file,
      index,
      value,
      position(path, keyOfLast = false) {
        const offset = locate(root, path, keyOfLast) ?? doc.range[0];
        return lineCounter.linePos(offset);
      },
    });
  });
  return { documents, diagnostics };
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}

/** Offset of the node at `path`, walking as deep as the tree allows. */
function locate(root: Node | null, path: FieldPath, keyOfLast: boolean): number | undefined {
  let node: unknown = root;
  let best = rangeStart(root);
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) =>
        isPair(p) && isScalar(p.key) && String(p.key.value) === String(part)
      );
      if (!pair) return best;
      if (keyOfLast && i === path.length - 1) return rangeStart(pair.key as Node) ?? best;
      node = pair.value;
      best = rangeStart(pair.value as Node | null) ?? rangeStart(pair.key as Node) ?? best;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
      if (node === undefined) return best;
      best = rangeStart(node as Node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}
