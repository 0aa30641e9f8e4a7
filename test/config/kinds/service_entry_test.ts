import assert from "node:assert/strict";
import { serviceEntryKind } from "../../../gateway/config/kinds/networking/service_entry.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import {
  loadCorpusOfKind,
  resourceYaml,
  type RuleCase,
  testCrdFixtures,
  testResource,
  testRuleCases,
} from "../../helpers/kind_cases.ts";

const SE = testResource(serviceEntryKind, "se", "ns1");

Deno.test("ServiceEntry: istio's CRD test data", (t) =>
  testCrdFixtures(t, serviceEntryKind, "serviceentry", { documents: { valid: 5, invalid: 12 } }));

Deno.test("ServiceEntry: an IPv6 address ending in `::` in a flow sequence reads as go-yaml reads it", () => {
  const r = loadYaml(resourceYaml(SE, "hosts: [a.com]\naddresses: [1.2.3.4, 2001:db8::]"));
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(r.config.serviceEntries[0].spec.addresses, ["1.2.3.4", "2001:db8::"]);
});

Deno.test("ServiceEntry: datasets, samples and istio.io tasks load", async () => {
  const { errors, config } = await loadCorpusOfKind(serviceEntryKind);
  assert.deepEqual(errors, []);
  assert.ok(config.serviceEntries.length >= 14, `${config.serviceEntries.length} loaded`);
});

const http = "ports: [{number: 80, name: http, protocol: HTTP}]";
const RULE_CASES: RuleCase[] = [
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
    { labels: "{networking.istio.io/enable-autoallocate-ip: 'false'}" },
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
    { labels: "{istio.io/use-waypoint: waypoint}" },
  ],
  [
    "hosts: [a.com]\nexportTo: ['~', ns2]",
    "spec.exportTo",
    "cannot export service entry to no one (~) and someone",
  ],
];

const SCHEMA_CASES: RuleCase[] = [
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
  Deno.test(`ServiceEntry: ${title} rules`, (t) => testRuleCases(t, SE, cases));
}

Deno.test("ServiceEntry: the spec is typed", () => {
  const r = loadYaml(
    resourceYaml(
      SE,
      "hosts: [a.com]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]",
    ),
  );
  assert.deepEqual(errorsOf(r), []);
  const spec = r.config.serviceEntries[0].spec;
  assert.equal(spec.resolution, "DNS");
  assert.equal(spec.ports?.[0].targetPort, 8080);
});
