import assert from "node:assert/strict";
import { workloadEntryKind } from "../../../gateway/config/kinds/networking/workload_entry.ts";
import { loadConfigPaths } from "../../../gateway/config/load.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import { corpusPath, datasetFiles } from "../../helpers/corpus.ts";
import {
  resourceYaml,
  type RuleCase,
  testCrdFixtures,
  testResource,
  testRuleCases,
} from "../../helpers/kind_cases.ts";

const WE = testResource(workloadEntryKind, "we", "ns1");

Deno.test("WorkloadEntry: istio's CRD test data", (t) =>
  testCrdFixtures(t, workloadEntryKind, "workloadentry", { documents: { valid: 5, invalid: 7 } }));

Deno.test("WorkloadEntry: datasets load", async () => {
  const files = datasetFiles(workloadEntryKind).map((f) => corpusPath(f));
  const r = await loadConfigPaths(files);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  // The three versions share one name, so they are one resource.
  assert.equal(r.config.workloadEntries.length, 1);
  assert.equal(r.config.workloadEntries[0].spec.address, "1.2.3.4");
});

const CASES: RuleCase[] = [
  ['address: ""', "spec.address", "address is required"],
  ["network: net", "spec.address", 'address is unset with network "net"', "warning"],
  ["address: not_valid", "spec.address", 'endpoint address "not_valid" is not a valid FQDN or an IP address'],
  ["address: 1.2.3.4\nlabels: {'bad key': a}", "spec.labels", 'invalid tag key: "bad key"'],
  ["address: 1.2.3.4\nlabels: {app: '-a'}", "spec.labels", 'invalid tag value: "-a"'],
  ["address: 1.2.3.4\nweight: -1", "spec.weight", "must be >= 0"],
  ["address: 1.2.3.4\nbogus: 1", "spec.bogus", 'unknown field "bogus"'],
];

Deno.test("WorkloadEntry: webhook and schema rules", (t) => testRuleCases(t, WE, CASES));

Deno.test("WorkloadEntry: a unix address and an FQDN are accepted", () => {
  for (const address of ["unix:///var/run/app.sock", "unix://@abstract", "vm1.example.com", "2001:db8::1"]) {
    assert.deepEqual(errorsOf(loadYaml(resourceYaml(WE, `address: "${address}"`))), [], address);
  }
});
