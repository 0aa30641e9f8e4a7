/**
 * Test helpers shared by the kind tests (`test/config/kinds/`): a test resource's YAML, tables of rule cases
 * (a spec snippet and the finding it must give), the webhook rules run alone, istio's CRD fixtures and the corpus
 * files of a kind.
 * @module
 */
import assert from "node:assert/strict";
import { type ConfigSet, resourcesOfKind } from "../../gateway/config/config_set.ts";
import {
  type Diagnostic,
  formatDiagnostic,
  formatPath,
  type Severity,
} from "../../gateway/config/diagnostics.ts";
import type { KindDefinition, RuleContext } from "../../gateway/config/kind.ts";
import { loadConfigPaths, loadConfigTexts } from "../../gateway/config/load.ts";
import type { ResourceMeta } from "../../gateway/config/resource.ts";
import { loadYaml } from "./config.ts";
import {
  assertErrorContaining,
  corpusPath,
  datasetFiles,
  errorLines,
  fixtureDocuments,
  listCorpusYamlOfKind,
  loadFixtureDocument,
  readCorpusFile,
} from "./corpus.ts";

/** What a kind test's resources are: their apiVersion and kind, and the name and namespace they all share. */
export interface TestResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** Metadata a case adds, each a YAML flow map, e.g. `{ annotations: '{"istio.io/dry-run": "true"}' }`. */
export interface ExtraMetadata {
  readonly labels?: string;
  readonly annotations?: string;
}

/** The annotation `istio.io/dry-run: "true"`, which only AuthorizationPolicy accepts. */
export const DRY_RUN: ExtraMetadata = { annotations: '{"istio.io/dry-run": "true"}' };

/** The parts of a kind's definition that name its resources. */
export type KindName = Pick<KindDefinition, "group" | "kind" | "versions">;

/** The test resource `namespace/name` of a kind, at the kind's first version. */
export function testResource(kind: KindName, name: string, namespace: string): TestResource {
  return { apiVersion: `${kind.group}/${kind.versions[0]}`, kind: kind.kind, name, namespace };
}

/** `apiVersion`, `kind` and `metadata` of a test resource, one field a line, without `spec`. */
export function resourceHeader(resource: TestResource, extra: ExtraMetadata = {}): string {
  const labels = extra.labels ? `  labels: ${extra.labels}\n` : "";
  const annotations = extra.annotations ? `  annotations: ${extra.annotations}\n` : "";
  return `apiVersion: ${resource.apiVersion}
kind: ${resource.kind}
metadata:
  name: ${resource.name}
  namespace: ${resource.namespace}
${labels}${annotations}`;
}

/** A whole test resource: its {@link resourceHeader header}, then `spec:` with `spec` (YAML) indented under it. */
export function resourceYaml(resource: TestResource, spec: string, extra: ExtraMetadata = {}): string {
  return `${resourceHeader(resource, extra)}spec:\n${spec.replace(/^/gm, "  ")}\n`;
}

/** The diagnostics of loading a test resource with the given spec (as the file `test.yaml`). */
export function specDiagnostics(
  resource: TestResource,
  spec: string,
  extra: ExtraMetadata = {},
): Diagnostic[] {
  return loadYaml(resourceYaml(resource, spec, extra)).diagnostics;
}

/** Asserts that a diagnostic with this path (`spec.…`), message and severity is among `ds`. */
export function assertFinding(
  ds: readonly Diagnostic[],
  path: string,
  message: string,
  severity: Severity = "error",
): void {
  assert.ok(
    ds.some((d) => d.path === path && d.message === message && d.severity === severity),
    `expected ${severity} at ${path}: ${message}\ngot:\n${ds.map(formatDiagnostic).join("\n")}`,
  );
}

/**
 * One rule case: a spec snippet (YAML, as under `spec:`), the path and message of a finding it must give, the
 * finding's severity (error unless said) and metadata the resource carries.
 */
export type RuleCase = readonly [
  spec: string,
  path: string,
  message: string,
  severity?: Severity,
  extra?: ExtraMetadata,
];

/** Options of {@link testRuleCases}. */
export interface RuleCaseOptions {
  /** Turns a case's snippet into the spec loaded, e.g. to add a field every spec needs. */
  readonly completeSpec?: (spec: string) => string;
}

/**
 * One step per case, named `path: message` (with the snippet's first line when two cases share a name): loads the
 * resource with the case's spec and asserts the finding with {@link assertFinding}.
 */
export async function testRuleCases(
  t: Deno.TestContext,
  resource: TestResource,
  cases: readonly RuleCase[],
  options: RuleCaseOptions = {},
): Promise<void> {
  const names = cases.map(([, path, message]) => `${path}: ${message}`);
  for (const [i, [spec, path, message, severity, extra]] of cases.entries()) {
    const shared = names.indexOf(names[i]) !== names.lastIndexOf(names[i]);
    const name = shared ? `${names[i]} (${spec.split("\n")[0]})` : names[i];
    await t.step(name, () => {
      const full = options.completeSpec ? options.completeSpec(spec) : spec;
      assertFinding(specDiagnostics(resource, full, extra), path, message, severity);
    });
  }
}

/**
 * Runs a kind's webhook rules alone on a spec, skipping the schema (for the rules the CRD schema shadows); the
 * findings as `spec.<path>: message`.
 */
export function webhookFindings<Spec>(
  kind: KindDefinition<Spec>,
  resource: TestResource,
  spec: Spec,
): string[] {
  const out: string[] = [];
  const meta = {
    kind: resource.kind,
    name: resource.name,
    namespace: resource.namespace,
    annotations: {},
  } as unknown as ResourceMeta;
  const ctx: RuleContext = {
    meta,
    report: (path, message) => out.push(`${formatPath(["spec", ...path])}: ${message}`),
  };
  kind.rules!(spec, ctx);
  return out;
}

/** Options of {@link testCrdFixtures}. */
export interface CrdFixtureOptions {
  /** How many documents each file must hold. */
  readonly documents?: { readonly valid: number; readonly invalid: number };
}

/**
 * istio's CRD fixtures `<prefix>-valid.yaml` and `<prefix>-invalid.yaml` of a kind, one step per document: a
 * document with `_err` must be rejected with an error containing it, any other must load with no error as one
 * resource of the kind.
 */
export async function testCrdFixtures(
  t: Deno.TestContext,
  kind: KindName,
  prefix: string,
  options: CrdFixtureOptions = {},
): Promise<void> {
  for (const variant of ["valid", "invalid"] as const) {
    const { path, docs } = fixtureDocuments(prefix, variant);
    if (options.documents) assert.equal(docs.length, options.documents[variant], `documents in ${path}`);
    for (const doc of docs) {
      const expected = doc.expectedError;
      const name = `${prefix}-${variant}.yaml:${doc.line} ${doc.name}`;
      await t.step(expected === undefined ? name : `${name}: ${expected}`, () => {
        const result = loadFixtureDocument(path, doc);
        if (expected !== undefined) {
          assertErrorContaining(result.diagnostics, expected);
        } else {
          assert.deepEqual(errorLines(result.diagnostics), []);
          assert.equal(resourcesOfKind(result.config, kind.kind).length, 1);
        }
      });
    }
  }
}

/** Options of {@link testCorpusFilesLoad}. */
export interface CorpusFilesOptions {
  /** Whether each file holds exactly one resource of the kind (otherwise at least one). */
  readonly exactlyOne?: boolean;
}

/**
 * One step per file, the kind's {@link datasetFiles validation dataset} and then `snippets` (relative to the
 * corpus, each read with {@link readCorpusFile}): it loads with no error and with resources of the kind.
 */
export async function testCorpusFilesLoad(
  t: Deno.TestContext,
  kind: KindName,
  snippets: readonly string[],
  options: CorpusFilesOptions = {},
): Promise<void> {
  for (const rel of [...datasetFiles(kind), ...snippets]) {
    await t.step(rel, () => {
      const result = loadConfigTexts([{ file: rel, text: readCorpusFile(rel) }]);
      assert.deepEqual(errorLines(result.diagnostics), []);
      const loaded = resourcesOfKind(result.config, kind.kind).length;
      if (options.exactlyOne) assert.equal(loaded, 1);
      else assert.ok(loaded >= 1);
    });
  }
}

/**
 * Loads together (so that references across files resolve) a kind's validation dataset files and every sample and
 * istio.io snippet with a document of that kind.
 * @returns the errors about resources of the kind, and what loaded
 */
export async function loadCorpusOfKind(kind: KindName): Promise<{ errors: Diagnostic[]; config: ConfigSet }> {
  const files = [
    ...datasetFiles(kind).map((f) => corpusPath(f)),
    ...listCorpusYamlOfKind("istio-istio/samples", kind.kind),
    ...listCorpusYamlOfKind("istio.io", kind.kind),
  ];
  const { diagnostics, config } = await loadConfigPaths(files);
  const errors = diagnostics.filter((d) => d.severity === "error" && d.resource.startsWith(`${kind.kind} `));
  return { errors, config };
}
