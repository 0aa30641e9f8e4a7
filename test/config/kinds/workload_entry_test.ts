import { corpusPath } from "../../helpers/corpus.ts";
import assert from "node:assert/strict";
import { parse } from "yaml";
import type { Diagnostic } from "../../../gateway/config/diagnostics.ts";
import { loadConfigPaths } from "../../../gateway/config/load.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";

const ISTIO = corpusPath();
const CRDS = `${ISTIO}/istio-istio/pkg/config/validation/testdata/crds`;
const DATASET = `${ISTIO}/istio-istio/pkg/test/datasets/validation/dataset`;

/** The documents of an istio CRD test file with their `_err` (removed from the text); commented-out ones dropped. */
function crdCases(file: string): { name: string; text: string; err?: string }[] {
  const out = [];
  for (const chunk of Deno.readTextFileSync(file).split(/^---$/m)) {
    const lines = chunk.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    if (!lines.some((l) => l.trim())) continue;
    const errLine = lines.find((l) => l.startsWith("_err:"));
    const text = lines.filter((l) => l !== errLine).join("\n");
    const name = /^\s+name: (\S+)/m.exec(text)?.[1] ?? "?";
    out.push({ name, text, err: errLine ? String(parse(errLine)._err) : undefined });
  }
  return out;
}

Deno.test("WorkloadEntry: istio's CRD test data", async (t) => {
  const valid = crdCases(`${CRDS}/workloadentry-valid.yaml`);
  const invalid = crdCases(`${CRDS}/workloadentry-invalid.yaml`);
  assert.equal(valid.length, 5);
  assert.equal(invalid.length, 7);
  for (const c of valid) {
    await t.step(`valid ${c.name}`, () => assert.deepEqual(errorsOf(loadYaml(c.text)), []));
  }
  for (const c of invalid) {
    await t.step(`invalid ${c.name}: ${c.err}`, () => {
      const errors = errorsOf(loadYaml(c.text));
      assert.ok(errors.some((e) => e.includes(c.err!)), errors.join("\n"));
    });
  }
});

Deno.test("WorkloadEntry: datasets load", async () => {
  const files = ["v1", "v1beta1", "v1alpha3"].map((v) => `${DATASET}/networking-${v}-WorkloadEntry.yaml`);
  const r = await loadConfigPaths(files);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  // The three versions share one name, so they are one resource.
  assert.equal(r.config.workloadEntries.length, 1);
  assert.equal(r.config.workloadEntries[0].spec.address, "1.2.3.4");
});

const header = `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: we
  namespace: ns1
spec:
`;

function diagnostics(spec: string): Diagnostic[] {
  return loadYaml(header + spec.split("\n").map((l) => "  " + l).join("\n") + "\n").diagnostics;
}

const CASES: [spec: string, path: string, message: string, severity?: "warning"][] = [
  ['address: ""', "spec.address", "address is required"],
  ["network: net", "spec.address", 'address is unset with network "net"', "warning"],
  ["address: not_valid", "spec.address", 'endpoint address "not_valid" is not a valid FQDN or an IP address'],
  ["address: 1.2.3.4\nlabels: {'bad key': a}", "spec.labels", 'invalid tag key: "bad key"'],
  ["address: 1.2.3.4\nlabels: {app: '-a'}", "spec.labels", 'invalid tag value: "-a"'],
  ["address: 1.2.3.4\nweight: -1", "spec.weight", "must be >= 0"],
  ["address: 1.2.3.4\nbogus: 1", "spec.bogus", 'unknown field "bogus"'],
];

Deno.test("WorkloadEntry: webhook and schema rules", async (t) => {
  for (const [spec, path, message, severity = "error"] of CASES) {
    await t.step(`${path}: ${message}`, () => {
      const found = diagnostics(spec);
      assert.ok(
        found.some((d) => d.path === path && d.message === message && d.severity === severity),
        found.map((d) => `${d.severity} ${d.path}: ${d.message}`).join("\n"),
      );
    });
  }
});

Deno.test("WorkloadEntry: a unix address and an FQDN are accepted", () => {
  for (const address of ["unix:///var/run/app.sock", "unix://@abstract", "vm1.example.com", "2001:db8::1"]) {
    assert.deepEqual(errorsOf(loadYaml(header + `  address: "${address}"\n`)), [], address);
  }
});
