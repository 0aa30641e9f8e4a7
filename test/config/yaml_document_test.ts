import assert from "node:assert/strict";
import { parseYamlFile } from "../../gateway/config/yaml_document.ts";

const TEXT = `# leading comment
apiVersion: v1
kind: A
spec:
  list:
  - name: x
    value: 1
---
# second
kind: B
spec: {a: [1, {b: 2}]}
---
---
kind: C
`;

Deno.test("parseYamlFile(): documents, indexes and positions across document markers", () => {
  const { documents, diagnostics } = parseYamlFile("f.yaml", TEXT);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(documents.map((d) => (d.value as { kind: string }).kind), ["A", "B", "C"]);
  assert.deepEqual(documents.map((d) => d.index), [0, 1, 2]);
  assert.deepEqual(documents[0].position([]), { line: 2, col: 1 });
  assert.deepEqual(documents[0].position(["spec", "list", 0, "value"]), { line: 7, col: 12 });
  assert.deepEqual(documents[0].position(["spec", "list", 0, "value"], true), { line: 7, col: 5 });
  assert.deepEqual(documents[1].position([]), { line: 10, col: 1 });
  assert.deepEqual(documents[1].position(["spec", "a", 1, "b"]), { line: 11, col: 19 });
  assert.deepEqual(
    documents[1].position(["spec", "missing", "deeper"]),
    { line: 11, col: 7 },
    "nearest ancestor",
  );
  assert.deepEqual(documents[2].position(["kind"]), { line: 14, col: 7 });
});

Deno.test("parseYamlFile(): a syntax error is reported at its line and other documents still load", () => {
  const { documents, diagnostics } = parseYamlFile(
    "f.yaml",
    "kind: A\n---\nkind: B\n  bad: [\n---\nkind: C\n",
  );
  assert.deepEqual(documents.map((d) => (d.value as { kind: string }).kind), ["A", "C"]);
  assert.equal(diagnostics.length > 0, true);
  assert.ok(
    diagnostics.every((d) => d.severity === "error" && d.line >= 3 && d.line <= 5),
    JSON.stringify(diagnostics),
  );
});

Deno.test("parseYamlFile(): duplicate keys are errors", () => {
  const { documents, diagnostics } = parseYamlFile("f.yaml", "kind: A\nkind: B\n");
  assert.equal(documents.length, 0);
  assert.match(diagnostics[0].message, /unique|duplicate/i);
  assert.equal(diagnostics[0].line, 2);
});

Deno.test("parseYamlFile(): alias expansion is bounded (billion laughs)", () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(
      `${cur}: &${cur} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
    );
  }
  const { documents, diagnostics } = parseYamlFile("bomb.yaml", lines.join("\n") + "\n");
  assert.equal(documents.length, 0);
  assert.match(diagnostics[0].message, /alias/i);
});
