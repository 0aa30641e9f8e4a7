/**
 * Test helpers for the shared Istio corpus (`../shared/istio/` beside the repository): locating it, listing its YAML
 * files, classifying them, reading them as `validate` would, and splitting the CRD validation fixtures into their
 * documents and expected errors.
 * @module
 */
import assert from "node:assert/strict";
import { parseYamlFile } from "../../gateway/config/yaml_document.ts";
import type { Diagnostic } from "../../gateway/config/diagnostics.ts";
import { formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import type { KindDefinition } from "../../gateway/config/kind.ts";
import { loadConfigTexts, type LoadResult } from "../../gateway/config/load.ts";

/** The corpus root, `<repo>/../shared/istio/`. */
export const CORPUS_ROOT: URL = new URL("../../../shared/istio/", import.meta.url);

/** Absolute path of a file or folder of the corpus, e.g. `corpusPath("istio.io")`. */
export function corpusPath(relative = ""): string {
  return decodeURIComponent(new URL(relative, CORPUS_ROOT).pathname).replace(/\/$/, "");
}

/** A path relative to the corpus root, for test names. */
export function relativeToCorpus(path: string): string {
  const root = corpusPath() + "/";
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** Whether the corpus is present; tests fail with a clear message when it is not. */
export function corpusAvailable(): boolean {
  try {
    return Deno.statSync(corpusPath()).isDirectory;
  } catch {
    return false;
  }
}

/** Message for a missing corpus. */
export const MISSING_CORPUS = `Istio corpus not found at ${corpusPath()} ` +
  "(clone the shared/ folder beside the repository)";

/** Every `*.yaml`/`*.yml` file under a corpus folder, recursively, sorted. */
export function listCorpusYaml(relativeDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (/\.ya?ml$/i.test(entry.name)) out.push(path);
    }
  };
  walk(corpusPath(relativeDir));
  return out.sort();
}

/**
 * The corpus files under a folder with a document of `kind: <kind>` (at column 0), recursively, sorted.
 * @example listCorpusYamlOfKind("istio.io", "ServiceEntry")
 */
export function listCorpusYamlOfKind(relativeDir: string, kind: string): string[] {
  const declares = new RegExp(`^kind: ${kind}\\s*$`, "m");
  return listCorpusYaml(relativeDir).filter((path) => declares.test(Deno.readTextFileSync(path)));
}

/** istio's CRD validation fixtures (`<prefix>-valid.yaml`, `<prefix>-invalid.yaml`), relative to the corpus. */
export const CRD_FIXTURES = "istio-istio/pkg/config/validation/testdata/crds";

/** istio's validation dataset (what the webhook must accept), relative to the corpus. */
export const VALIDATION_DATASET = "istio-istio/pkg/test/datasets/validation/dataset";

/**
 * The validation dataset files of a kind, one per version it is served in, relative to the corpus; named
 * `<group's first label>-<version>-<Kind>.yaml`.
 * @example datasetFiles(sidecarKind)
 * // [".../dataset/networking-v1-Sidecar.yaml", ".../dataset/networking-v1beta1-Sidecar.yaml", ...]
 */
export function datasetFiles(kind: Pick<KindDefinition, "group" | "kind" | "versions">): string[] {
  const prefix = kind.group.split(".")[0];
  return kind.versions.map((v) => `${VALIDATION_DATASET}/${prefix}-${v}-${kind.kind}.yaml`);
}

/** One text of the corpus, read from disk. */
export interface CorpusFile {
  readonly path: string;
  readonly text: string;
}

/** Reads the given files. */
export function readCorpus(paths: readonly string[]): CorpusFile[] {
  return paths.map((path) => ({ path, text: Deno.readTextFileSync(path) }));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Whether a file holds mesh config rather than Kubernetes resources: an IstioOperator (or the bare `spec:` fragment
 * of one) with `spec.meshConfig`, or a plain MeshConfig map like the analyzer's `*-mesh-cfg.yaml`/`*meshconfig.yaml`.
 */
export function isMeshConfigFile(path: string, text: string): boolean {
  if (/(mesh-?cfg|meshconfig)[^/]*\.ya?ml$/i.test(path)) return true;
  const docs = parseYamlFile(path, text).documents;
  return docs.length > 0 && docs.every((d) => {
    const v = d.value;
    if (!isMap(v)) return false;
    if (v.kind === "IstioOperator") return true;
    return v.kind === undefined && v.apiVersion === undefined && isMap(v.spec) && "meshConfig" in v.spec;
  });
}

/**
 * Doc snippets that are a fragment of a resource, not a resource: each is validated by merging it into the `spec`
 * of the resource the same doc page shows in full.
 */
export const FRAGMENTS: Readonly<Record<string, { readonly base: string }>> = {
  "istio.io/wasm-modules/wasm-modules-2-match-fragment.yaml": {
    base: "istio.io/wasm-modules/wasm-modules-1-basic-auth-trafficextension.yaml",
  },
};

/** The YAML of a fragment merged into its base resource (the fragment's `spec` keys replace the base's). */
export function mergeFragment(fragmentText: string, baseText: string): string {
  const fragment = parseYamlFile("fragment.yaml", fragmentText).documents[0]?.value;
  const base = parseYamlFile("base.yaml", baseText).documents[0]?.value;
  if (!isMap(fragment) || !isMap(base)) throw new Error("fragment or base is not a map");
  const spec = { ...(isMap(base.spec) ? base.spec : {}), ...(isMap(fragment.spec) ? fragment.spec : {}) };
  return JSON.stringify({ ...base, spec }, null, 2);
}

/**
 * Shell variables the istio.io task pages leave in their YAML for the reader to fill in (the page's `snips.sh` expands
 * them); a sample value stands in for each so that the snippet is validated as applied.
 */
export const DOC_PLACEHOLDERS: Readonly<Record<string, string>> = {
  "$CLIENT_IP": "203.0.113.7",
};

/** Replaces the doc placeholders in a YAML text, outside comments. */
export function expandPlaceholders(text: string): string {
  return text.split("\n").map((line) => {
    if (line.trimStart().startsWith("#")) return line;
    let out = line;
    for (const [name, value] of Object.entries(DOC_PLACEHOLDERS)) out = out.replaceAll(name, value);
    return out;
  }).join("\n");
}

/**
 * The text of a corpus file as a user would apply it: doc placeholders filled in (istio.io snippets) and a
 * {@link FRAGMENTS fragment} merged into its base resource.
 */
export function readCorpusFile(relative: string): string {
  const raw = Deno.readTextFileSync(corpusPath(relative));
  const text = relative.startsWith("istio.io/") ? expandPlaceholders(raw) : raw;
  const fragment = FRAGMENTS[relative];
  return fragment ? mergeFragment(text, Deno.readTextFileSync(corpusPath(fragment.base))) : text;
}

/** One document of a CRD validation fixture. */
export interface FixtureDocument {
  /** 0-based index among the file's non-empty documents. */
  readonly index: number;
  /** 1-based line of the document's first line. */
  readonly line: number;
  /** The whole file with every line outside this document blanked and its `_err:` line blanked too, so that
   * diagnostics keep the file's line numbers. */
  readonly text: string;
  /** The expected error substring (`_err`), or undefined for a valid document. */
  readonly expectedError?: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * Splits a `pkg/config/validation/testdata/crds/*.yaml` fixture into its documents. Documents that are only
 * comments (cases the upstream file disables) are left out.
 */
export function splitFixture(path: string, text: string): FixtureDocument[] {
  const lines = text.split("\n");
  const ranges: [number, number][] = [];
  let start = 0;
  lines.forEach((l, i) => {
    if (/^---\s*$/.test(l)) {
      ranges.push([start, i]);
      start = i + 1;
    }
  });
  ranges.push([start, lines.length]);
  const out: FixtureDocument[] = [];
  for (const [from, to] of ranges) {
    const own = lines.slice(from, to);
    const parsed = parseYamlFile(path, own.join("\n"));
    const value = parsed.documents[0]?.value;
    if (parsed.diagnostics.length === 0 && !isMap(value)) continue; // comments only
    const errIndex = own.findIndex((l) => /^_err\s*:/.test(l));
    const expected = isMap(value) && typeof value._err === "string" ? value._err : undefined;
    const blanked = lines.map((l, i) => (i >= from && i < to && i !== from + errIndex ? l : ""));
    const firstLine = own.findIndex((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
    const md = isMap(value) && isMap(value.metadata) ? value.metadata : {};
    out.push({
      index: out.length,
      line: from + Math.max(0, firstLine) + 1,
      text: blanked.join("\n"),
      expectedError: expected,
      kind: isMap(value) && typeof value.kind === "string" ? value.kind : "?",
      name: typeof md.name === "string" ? md.name : "?",
    });
  }
  return out;
}

/** The documents of the fixture `<prefix>-<variant>.yaml` and its absolute path; fails when it has none. */
export function fixtureDocuments(
  prefix: string,
  variant: "valid" | "invalid",
): { path: string; docs: FixtureDocument[] } {
  const path = corpusPath(`${CRD_FIXTURES}/${prefix}-${variant}.yaml`);
  const docs = splitFixture(path, Deno.readTextFileSync(path));
  assert.ok(docs.length > 0, path);
  return { path, docs };
}

/** Loads one fixture document as `validate` would, under the fixture's path and with its line numbers. */
export function loadFixtureDocument(path: string, doc: FixtureDocument): LoadResult {
  return loadConfigTexts([{ file: path, text: doc.text }]);
}

/**
 * Asserts that an error among `diagnostics` contains `expected` (a fixture's `_err`) in one of its
 * {@link errorRenderings renderings}.
 */
export function assertErrorContaining(diagnostics: readonly Diagnostic[], expected: string): void {
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.ok(errors.length > 0, `expected an error containing ${JSON.stringify(expected)}; got none`);
  assert.ok(
    errors.some((d) => errorRenderings(d).some((s) => s.includes(expected))),
    `expected an error containing ${JSON.stringify(expected)}; got:\n${
      errors.map(formatDiagnostic).join("\n")
    }`,
  );
}

/**
 * The ways one error diagnostic can be written: as `validate` prints it, and the way the Kubernetes API server
 * words the same path and message (`spec.url: Required value`, `spec.url in body should be at least 1 chars long`).
 */
export function errorRenderings(d: Diagnostic): string[] {
  const out = [formatDiagnostic(d)];
  if (d.path !== "") out.push(`${d.path} in body ${d.message}`);
  return out;
}

/** The formatted errors among some diagnostics. */
export function errorLines(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
}

/** The fixture prefixes (`<prefix>-valid.yaml`, `<prefix>-invalid.yaml`) of kinds Portcullis reads, and of the
 * kinds it skips. */
export const FIXTURE_KINDS_READ = [
  "authz",
  "destinationrule",
  "peerauth",
  "reqauth",
  "serviceentry",
  "telemetry",
  "wasm",
  "workloadentry",
] as const;
export const FIXTURE_KINDS_SKIPPED = ["envoyfilter", "proxyconfig", "workloadgroup"] as const;
