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

/** Files under `dir` that declare `kind: <kind>`. */
function filesWithKind(dir: string, kind: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...filesWithKind(path, kind));
    else if (
      /\.ya?ml$/.test(e.name) && new RegExp(`^kind: ${kind}\\s*$`, "m").test(Deno.readTextFileSync(path))
    ) {
      out.push(path);
    }
  }
  return out.sort();
}

Deno.test("ServiceEntry: istio's CRD test data", async (t) => {
  const valid = crdCases(`${CRDS}/serviceentry-valid.yaml`);
  const invalid = crdCases(`${CRDS}/serviceentry-invalid.yaml`);
  assert.equal(valid.length, 5);
  assert.equal(invalid.length, 12);
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

Deno.test("ServiceEntry: an IPv6 address ending in `::` in a flow sequence reads as go-yaml reads it", () => {
  const r = loadYaml(header + "  hosts: [a.com]\n  addresses: [1.2.3.4, 2001:db8::]\n");
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(r.config.serviceEntries[0].spec.addresses, ["1.2.3.4", "2001:db8::"]);
});

Deno.test("ServiceEntry: datasets, samples and istio.io tasks load", async () => {
  const files = [
    ...["v1", "v1beta1", "v1alpha3"].map((v) => `${DATASET}/networking-${v}-ServiceEntry.yaml`),
    ...filesWithKind(`${ISTIO}/istio-istio/samples`, "ServiceEntry"),
    ...filesWithKind(`${ISTIO}/istio.io`, "ServiceEntry"),
  ];
  const r = await loadConfigPaths(files);
  const mine = r.diagnostics.filter((d) => d.severity === "error" && d.resource.startsWith("ServiceEntry "));
  assert.deepEqual(mine, []);
  assert.ok(r.config.serviceEntries.length >= 14, `${r.config.serviceEntries.length} loaded`);
});

const header = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: se
  namespace: ns1
spec:
`;

function diagnostics(spec: string, labels = ""): Diagnostic[] {
  const body = spec.split("\n").map((l) => "  " + l).join("\n");
  const text = labels
    ? header.replace("  namespace: ns1\n", `  namespace: ns1\n  labels: ${labels}\n`)
    : header;
  return loadYaml(text + body + "\n").diagnostics;
}

/** A spec snippet, the field path and message expected, severity, and metadata labels. */
type Case = [spec: string, path: string, message: string, severity?: "error" | "warning", labels?: string];

const http = "ports: [{number: 80, name: http, protocol: HTTP}]";
const RULE_CASES: Case[] = [
  [
    "hosts: [a.com]\nworkloadSelector: {labels: {'': a}}",
    "spec.workloadSelector.labels",
    'empty key is not supported in selector: "=a"',
  ],
  [
    "hosts: [a.com]\nworkloadSelector: {labels: {'a*': b}}",
    "spec.workloadSelector.labels",
    'wildcard is not supported in selector: "a*=b"',
  ],
  [
    "hosts: [a.com]\nworkloadSelector: {}\nresolution: STATIC",
    "spec.workloadSelector",
    "service entry: workload selector specified without labels, will be applied to all services in namespace",
    "warning",
  ],
  ["hosts: [a_b.com]", "spec.hosts[0]", 'domain name "a_b.com" invalid (label "a_b" invalid)'],
  ["hosts: ['*x']", "spec.hosts[0]", 'partial wildcard "*x" not allowed', "warning"],
  [`hosts: [a.com]\naddresses: [1.2.3]\n${http}`, "spec.addresses[0]", "1.2.3 is not a valid IP"],
  [
    `hosts: [a.com]\naddresses: [1.2.3.4/40]\n${http}`,
    "spec.addresses[0]",
    "1.2.3.4/40 is not a valid CIDR block",
  ],
  [
    "hosts: [a.com]\nports: [{number: 5432, name: pg}]",
    "spec.ports[0]",
    "addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled",
    "warning",
  ],
  [
    "hosts: [a.com]\nresolution: DNS\nports: [{number: 5432, name: pg, protocol: TCP}]",
    "spec.ports[0]",
    "addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled",
    "warning",
    "{networking.istio.io/enable-autoallocate-ip: 'false'}",
  ],
  [
    "hosts: [a.com]\nports: [{number: 80, name: Http_1, protocol: HTTP}]",
    "spec.ports[0]",
    "invalid port name: Http_1",
  ],
  [
    "hosts: [a.com]\nports: [{number: 80, name: http, protocol: FOO}]",
    "spec.ports[0]",
    "unsupported protocol: FOO",
  ],
  [
    "hosts: [a.com]\nworkloadSelector: {labels: {app: a}}",
    "spec.workloadSelector",
    "workloadSelector should not be set when resolution mode is NONE",
    "warning",
  ],
  [
    `hosts: [a.com]\nresolution: STATIC\n${http}\nendpoints: [{address: b.com}]`,
    "spec.endpoints[0].address",
    'endpoint address "b.com" is not a valid IP address',
  ],
  [
    `hosts: [a.com]\nresolution: STATIC\n${http}\nendpoints: [{address: 1.1.1.1, ports: {grpc: 9090}}]`,
    "spec.endpoints[0].ports.grpc",
    "endpoint port 9090 is not defined by the service entry",
  ],
  [
    "hosts: [a.com]\nresolution: STATIC\nports: [{number: 80, name: a}, {number: 81, name: b}]\nendpoints: [{address: 'unix:///sock'}]",
    "spec.endpoints[0]",
    "exactly 1 service port required for unix endpoints",
  ],
  [
    `hosts: [a.com]\nresolution: STATIC\n${http}\nendpoints: [{address: 1.1.1.1, labels: {v: -x}}]`,
    "spec.endpoints[0].labels",
    'invalid tag value: "-x"',
  ],
  [
    `hosts: [a.com, '*.b.com']\nresolution: DNS\n${http}`,
    "spec.hosts[1]",
    'hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, domain name "*.b.com" invalid (label "*" invalid)',
  ],
  [
    `hosts: [a.com]\nresolution: DNS\n${http}\nendpoints: [{address: not_fqdn}]`,
    "spec.endpoints[0].address",
    'endpoint address "not_fqdn" is not a valid FQDN or an IP address',
  ],
  [
    `hosts: [a.com]\nresolution: DNS\n${http}\nendpoints: [{address: b.com, ports: {other: 8080}}]`,
    "spec.endpoints[0].ports.other",
    "endpoint port 8080 is not defined by the service entry",
  ],
  [
    "hosts: [a.com, b.com]\naddresses: [10.0.0.1]\nresolution: DNS\nports: [{number: 443, name: https, protocol: HTTPS}]",
    "spec.hosts",
    "service entry can not have more than one host specified simultaneously with address and tcp port",
    "warning",
  ],
  [
    "hosts: [a.com, b.com]\nresolution: DNS\nports: [{number: 5432, name: pg, protocol: TCP}]",
    "spec.ports[0].protocol",
    "multiple hosts provided with non-HTTP, non-TLS ports",
  ],
  [
    `hosts: [a.com]\nresolution: DYNAMIC_DNS\n${http}`,
    "spec.hosts[0]",
    "host must be wildcarded for resolution mode DYNAMIC_DNS",
  ],
  [
    `hosts: ['*.a.com']\nresolution: DYNAMIC_DNS\naddresses: [10.0.0.1]\n${http}`,
    "spec.addresses",
    "addresses cannot be set for resolution type DYNAMIC_DNS. HTTP route domains will only be generatedfrom the hosts field values",
  ],
  [
    `hosts: ['*.a.com']\nresolution: DYNAMIC_DNS\n${http}\nendpoints: [{address: 1.1.1.1}]`,
    "spec.endpoints",
    "endpoints cannot be set for resolution type DYNAMIC_DNS. Destination IP address determined from hostsfield values",
  ],
  [
    "hosts: ['*.a.com']\nresolution: DYNAMIC_DNS\nports: [{number: 5432, name: pg, protocol: TCP}]",
    "spec.ports[0].protocol",
    "only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type DYNAMIC_DNS",
  ],
  [
    `hosts: ['*.a.com']\nresolution: DYNAMIC_DNS\nlocation: MESH_INTERNAL\n${http}`,
    "spec.location",
    "location MESH_INTERNAL with resolution type DYNAMIC_DNS is not supported when using waypoints",
    "error",
    "{istio.io/use-waypoint: waypoint}",
  ],
  [
    "hosts: [a.com]\nexportTo: ['~', ns2]",
    "spec.exportTo",
    "cannot export service entry to no one (~) and someone",
  ],
];

const SCHEMA_CASES: Case[] = [
  ["hosts: []", "spec.hosts", "Invalid value: 0: should have at least 1 items"],
  ["hosts: [a.com]\nports: [{number: 80}]", "spec.ports[0].name", "Required value"],
  [
    "hosts: [a.com]\nlocation: OUTSIDE",
    "spec.location",
    'Unsupported value: "OUTSIDE": supported values: "MESH_EXTERNAL", "MESH_INTERNAL"',
  ],
  [
    "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: 1.1.1.1, ports: {http: 0}}]",
    "spec.endpoints[0].ports.http",
    'Invalid value: "integer": port must be between 1-65535',
  ],
  [
    "hosts: [a.com]\nresolution: STATIC\nendpoints: [{}]",
    "spec.endpoints[0]",
    'Invalid value: "object": Address is required',
  ],
];

for (const [title, cases] of [["webhook", RULE_CASES], ["schema (OpenAPI and CEL)", SCHEMA_CASES]] as const) {
  Deno.test(`ServiceEntry: ${title} rules`, async (t) => {
    for (const [spec, path, message, severity = "error", labels] of cases) {
      await t.step(`${path}: ${message}`, () => {
        const found = diagnostics(spec, labels);
        assert.ok(
          found.some((d) => d.path === path && d.severity === severity && d.message === message),
          found.map((d) => `${d.severity} ${d.path}: ${d.message}`).join("\n"),
        );
      });
    }
  });
}

Deno.test("ServiceEntry: the spec is typed", () => {
  const r = loadYaml(
    header +
      "  hosts: [a.com]\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]\n",
  );
  assert.deepEqual(errorsOf(r), []);
  const spec = r.config.serviceEntries[0].spec;
  assert.equal(spec.resolution, "DNS");
  assert.equal(spec.ports?.[0].targetPort, 8080);
});
