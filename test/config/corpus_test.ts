/**
 * The shared Istio corpus loaded the way Istio would take it: every sample and doc snippet is accepted, the CRD
 * validation fixtures are accepted or rejected with the expected error, and the analyzer inputs never crash the loader.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import { loadConfigTexts } from "../../gateway/config/load.ts";
import { parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import {
  assertErrorContaining,
  corpusAvailable,
  corpusPath,
  CRD_FIXTURES,
  errorLines,
  FIXTURE_KINDS_READ,
  FIXTURE_KINDS_SKIPPED,
  fixtureDocuments,
  isMeshConfigFile,
  listCorpusYaml,
  loadFixtureDocument,
  MISSING_CORPUS,
  readCorpusFile,
  relativeToCorpus,
  splitFixture,
  VALIDATION_DATASET,
} from "../helpers/corpus.ts";

function requireCorpus(): void {
  assert.ok(corpusAvailable(), MISSING_CORPUS);
}

/** Loads one corpus file as `validate` would: resources, or mesh config for the mesh-config snippets. */
function loadCorpusFile(path: string): { errors: string[]; notes: string[] } {
  const text = readCorpusFile(relativeToCorpus(path));
  if (isMeshConfigFile(path, text)) {
    const { diagnostics } = parseMeshConfig(path, text);
    return { errors: errorLines(diagnostics), notes: [] };
  }
  const result = loadConfigTexts([{ file: path, text }]);
  return {
    errors: errorLines(result.diagnostics),
    notes: result.diagnostics.filter((d) => d.severity === "note").map(formatDiagnostic),
  };
}

for (
  const [title, dir] of [
    ["samples", "istio-istio/samples"],
    ["istio.io task snippets", "istio.io"],
    ["validation dataset (webhook must accept)", VALIDATION_DATASET],
  ] as const
) {
  Deno.test(`corpus: ${title} load without errors`, async (t) => {
    requireCorpus();
    const files = listCorpusYaml(dir);
    assert.ok(files.length > 0, `no YAML under ${dir}`);
    for (const path of files) {
      await t.step(relativeToCorpus(path), () => {
        const { errors } = loadCorpusFile(path);
        assert.deepEqual(errors, [], `expected no errors:\n${errors.join("\n")}`);
      });
    }
  });
}

Deno.test("corpus: CRD fixtures *-valid.yaml of the kinds Portcullis reads are accepted", async (t) => {
  requireCorpus();
  for (const prefix of FIXTURE_KINDS_READ) {
    const { path, docs } = fixtureDocuments(prefix, "valid");
    for (const doc of docs) {
      await t.step(`${prefix}-valid.yaml:${doc.line} ${doc.kind} ${doc.name}`, () => {
        const result = loadFixtureDocument(path, doc);
        const errors = errorLines(result.diagnostics);
        assert.deepEqual(errors, [], `expected no errors:\n${errors.join("\n")}`);
        const loaded = Object.values(result.config).flat().length;
        assert.ok(
          loaded >= 1,
          `the resource was not loaded:\n${result.diagnostics.map(formatDiagnostic).join("\n")}`,
        );
      });
    }
  }
});

Deno.test("corpus: CRD fixtures *-invalid.yaml of the kinds Portcullis reads are rejected with the expected error", async (t) => {
  requireCorpus();
  for (const prefix of FIXTURE_KINDS_READ) {
    const { path, docs } = fixtureDocuments(prefix, "invalid");
    for (const doc of docs) {
      await t.step(`${prefix}-invalid.yaml:${doc.line} ${doc.kind} ${doc.name}: ${doc.expectedError}`, () => {
        const expected = doc.expectedError;
        assert.ok(expected, "an invalid fixture document must carry _err");
        assertErrorContaining(loadFixtureDocument(path, doc).diagnostics, expected);
      });
    }
  }
});

Deno.test("corpus: CRD fixtures of kinds Portcullis does not read are skipped", async (t) => {
  requireCorpus();
  for (const prefix of FIXTURE_KINDS_SKIPPED) {
    for (const variant of ["valid", "invalid"]) {
      const path = corpusPath(`${CRD_FIXTURES}/${prefix}-${variant}.yaml`);
      for (const doc of splitFixture(path, Deno.readTextFileSync(path))) {
        await t.step(`${prefix}-${variant}.yaml:${doc.line} ${doc.kind} ${doc.name}`, () => {
          const result = loadFixtureDocument(path, doc);
          assert.deepEqual(errorLines(result.diagnostics), []);
          assert.ok(
            result.diagnostics.some((d) => d.severity === "note" && d.message.startsWith("skipped:")),
            `expected a "skipped" note:\n${result.diagnostics.map(formatDiagnostic).join("\n")}`,
          );
          assert.equal(Object.values(result.config).flat().length, 0);
        });
      }
    }
  }
});

Deno.test("corpus: analyzer testdata loads without throwing", async (t) => {
  requireCorpus();
  const files = listCorpusYaml("istio-istio/pkg/config/analysis/analyzers/testdata");
  assert.ok(files.length > 0);
  for (const path of files) {
    await t.step(relativeToCorpus(path), () => {
      // Some of these are intentionally invalid: errors are allowed, exceptions and unlocated findings are not.
      const text = Deno.readTextFileSync(path);
      const diagnostics = isMeshConfigFile(path, text)
        ? parseMeshConfig(path, text).diagnostics
        : loadConfigTexts([{ file: path, text }]).diagnostics;
      for (const d of diagnostics) {
        assert.ok(d.line >= 1 && d.col >= 1, `unlocated: ${formatDiagnostic(d)}`);
      }
      if (isMeshConfigFile(path, text)) assert.deepEqual(errorLines(diagnostics), []);
    });
  }
});
