/**
 * Multi-document YAML parsing with positions. Documents are parsed with js-yaml (fast); the `yaml` library,
 * which keeps a syntax tree with offsets, is used only when a position is asked for, for syntax errors, and for
 * documents with anchors or aliases (where it bounds alias expansion).
 * @module
 */
import { CORE_SCHEMA, loadAll } from "js-yaml";
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  parseDocument,
} from "yaml";
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

/** A document's text and where it starts in its file. */
interface Chunk {
  readonly text: string;
  /** 0-based line of the chunk's first line in the file. */
  readonly line: number;
}

/** Anchors (`&a`) and aliases (`*a`) outside quotes need the slow path, which limits alias expansion. */
const ANCHOR_OR_ALIAS = /(^|[\s[{,])[&*][^\s"',\]}]/;

/** Parses every document of a YAML text; syntax errors become diagnostics and their documents are dropped. */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const diagnostics: Diagnostic[] = [];
  const documents: YamlDocument[] = [];
  for (const chunk of splitDocuments(text)) {
    const fast = ANCHOR_OR_ALIAS.test(chunk.text) ? undefined : loadFast(chunk.text);
    if (fast && fast.length <= 1) {
      if (fast.length === 1 && fast[0] !== null && fast[0] !== undefined) {
        documents.push(lazyDocument(file, documents.length, fast[0], chunk));
      }
      continue;
    }
    parsePrecisely(file, chunk, documents, diagnostics);
  }
  return { documents, diagnostics };
}

/**
 * Splits a file at document markers (`---` at the start of a line). YAML forbids such a line inside any
 * scalar, so this never cuts a document in two; a chunk may still hold no document (comments only).
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let startLine = 0;
  let line = 0;
  let scanned = 0;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    if (m.index === 0) continue;
    line += countLines(text, scanned, m.index);
    scanned = m.index;
    chunks.push({ text: text.slice(start, m.index), line: startLine });
    start = m.index;
    startLine = line;
  }
  chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function loadFast(text: string): unknown[] | undefined {
  try {
    return loadAll(text, null, { schema: CORE_SCHEMA });
  } catch {
    return undefined; // the precise parser reports the error with its position
  }
}

/** A document parsed on the fast path; its syntax tree is built on the first position lookup. */
function lazyDocument(file: string, index: number, value: unknown, chunk: Chunk): YamlDocument {
  let located: { root: Node | null; start: number; lineCounter: LineCounter } | undefined;
  return {
    file,
    index,
    value,
    position(path, keyOfLast = false) {
      if (path.length === 0) return { line: chunk.line + firstContentLine(chunk.text), col: 1 };
      if (!located) {
        const lineCounter = new LineCounter();
        const doc = parseDocument(chunk.text, { lineCounter, uniqueKeys: false });
        located = { root: doc.contents as Node | null, start: doc.range[0], lineCounter };
      }
      const at = located.lineCounter.linePos(locate(located.root, path, keyOfLast) ?? located.start);
      return { line: at.line + chunk.line, col: at.col };
    },
  };
}

/** The `yaml` library's parse of one chunk: exact syntax errors, bounded aliases. */
function parsePrecisely(
  file: string,
  chunk: Chunk,
  documents: YamlDocument[],
  diagnostics: Diagnostic[],
): void {
  const lineCounter = new LineCounter();
  const pos = (offset: number) => {
    const at = lineCounter.linePos(offset);
    return { line: at.line + chunk.line, col: at.col };
  };
  let docs;
  try {
    docs = parseAllDocuments(chunk.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    diagnostics.push({
      ...fileDiagnostic(file, `cannot parse YAML: ${(e as Error).message}`),
      line: chunk.line + 1,
    });
    return;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        diagnostics.push({
          severity: "error",
          file,
          ...pos(err.pos[0]),
          resource: "",
          path: "",
          message: `invalid YAML: ${firstLine(err.message)}`,
        });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      diagnostics.push({
        ...fileDiagnostic(file, `invalid YAML: ${(e as Error).message}`),
        ...pos(doc.range[0]),
      });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document, e.g. a trailing `---`
    const root = doc.contents as Node | null;
    documents.push({
      file,
      index: documents.length,
      value,
      position: (path, keyOfLast = false) => pos(locate(root, path, keyOfLast) ?? doc.range[0]),
    });
  }
}

/** 1-based line of the first line that is not blank, a comment, a directive or a document marker. */
function firstContentLine(text: string): number {
  const lines = text.split("\n", 200);
  const i = lines.findIndex((l) => !/^\s*(#.*)?$/.test(l) && !/^(---|%)\s*$/.test(l) && !l.startsWith("%"));
  return i < 0 ? 1 : i + 1;
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
