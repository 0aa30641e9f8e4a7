import assert from "node:assert/strict";
import { sidecarKind } from "../../../gateway/config/kinds/networking/sidecar.ts";
import { loadConfigPaths } from "../../../gateway/config/load.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import { corpusPath, datasetFiles } from "../../helpers/corpus.ts";
import { resourceYaml, type RuleCase, testResource, testRuleCases } from "../../helpers/kind_cases.ts";

Deno.test("Sidecar: datasets load", async () => {
  const files = datasetFiles(sidecarKind).map((f) => corpusPath(f));
  const r = await loadConfigPaths(files);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  assert.deepEqual(r.config.sidecars[0].spec.egress?.[0].hosts, ["abc/*"]);
});

const SC = testResource(sidecarKind, "sc", "ns1");

const egress = "egress: [{hosts: ['./*']}]";
const ing = (fields: string) => `ingress: [{port: {number: 9080, name: http, protocol: HTTP}${fields}}]`;
const tls = (settings: string) =>
  `ingress: [{port: {number: 9443, name: https, protocol: HTTPS}, tls: {${settings}}}]`;

const GENERAL_CASES: RuleCase[] = [
  ["workloadSelector: {labels: {app: x}}", "spec", "sidecar: empty configuration provided"],
  [
    `workloadSelector: {labels: {'a*': b}}\n${egress}`,
    "spec.workloadSelector.labels",
    'wildcard is not supported in selector: "a*=b"',
  ],
  [
    `workloadSelector: {labels: {'': b}}\n${egress}`,
    "spec.workloadSelector.labels",
    'empty key is not supported in selector: "=b"',
  ],
  [
    `workloadSelector: {}\n${egress}`,
    "spec.workloadSelector",
    "sidecar: workload selector specified without labels, will be applied to all services in namespace",
    "warning",
  ],
  ["inboundConnectionPool: {}", "spec.inboundConnectionPool", "connection pool must have at least one field"],
  [
    "outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: proxy.a.com, port: {number: 80}}}",
    "spec.outboundTrafficPolicy.egressProxy",
    "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
  ],
  [
    "outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.a.com}}",
    "spec.outboundTrafficPolicy.egressProxy.port",
    "sidecar: egress_proxy port must be non-nil",
  ],
  [
    "outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: p_a, port: {number: 80}}}",
    "spec.outboundTrafficPolicy.egressProxy.host",
    'domain name "p_a" invalid (label "p_a" invalid)',
  ],
  [
    "outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.a.com, subset: V_1, port: {number: 80}}}",
    "spec.outboundTrafficPolicy.egressProxy.subset",
    "subset name is invalid: V_1",
  ],
  [
    "outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.a.com, port: {number: 0}}}",
    "spec.outboundTrafficPolicy.egressProxy.port.number",
    "port number 0 must be in the range 1..65535",
  ],
];

const INGRESS_CASES: RuleCase[] = [
  [
    "ingress: [{port: {number: 9080, name: http, protocol: HTTP, targetPort: 1}}]",
    "spec.ingress[0].port.targetPort",
    "targetPort has no impact on Sidecars",
  ],
  [
    "ingress: [{port: {number: 9080, name: Http_1, protocol: HTTP}}]",
    "spec.ingress[0].port.name",
    "invalid port name: Http_1",
  ],
  [
    "ingress: [{port: {number: 9080, name: http, protocol: FOO}}]",
    "spec.ingress[0].port.protocol",
    "unsupported protocol: FOO",
  ],
  [
    "ingress: [{port: {number: 0, name: http, protocol: HTTP}}]",
    "spec.ingress[0].port.number",
    "port number 0 must be in the range 1..65535",
  ],
  [ing(", bind: abc"), "spec.ingress[0].bind", "abc is not a valid IP"],
  [
    "ingress: [{port: {number: 9080, name: a, protocol: HTTP}}, {port: {number: 9080, name: b, protocol: HTTP}}]",
    "spec.ingress[1].port",
    "sidecar: ports on IP bound listeners must be unique",
  ],
  [
    ing(", defaultEndpoint: '10.0.0.1:8080'"),
    "spec.ingress[0].defaultEndpoint",
    "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
  ],
  [
    ing(", defaultEndpoint: '127.0.0.1'"),
    "spec.ingress[0].defaultEndpoint",
    "address 127.0.0.1: missing port in address",
  ],
  [
    ing(", defaultEndpoint: '127.0.0.1:http'"),
    "spec.ingress[0].defaultEndpoint",
    'sidecar: defaultEndpoint port (http) is not a number: strconv.Atoi: parsing "http": invalid syntax',
  ],
  [
    ing(", defaultEndpoint: '[::1]:70000'"),
    "spec.ingress[0].defaultEndpoint",
    "port number 70000 must be in the range 1..65535",
  ],
  [
    ing(", defaultEndpoint: 'unix://rel.sock'"),
    "spec.ingress[0].defaultEndpoint",
    "rel.sock is not an absolute path to a file",
  ],
  [
    ing(", connectionPool: {http: {maxRetries: 1}}").replace("protocol: HTTP", "protocol: TCP"),
    "spec.ingress[0].connectionPool.http",
    'sidecar: HTTP connection pool settings are configured for port 9080 ("http") but its protocol is not HTTP (TCP); only TCP settings will apply',
    "warning",
  ],
  [
    ing(", connectionPool: {}"),
    "spec.ingress[0].connectionPool",
    "connection pool must have at least one field",
  ],
];

const T = "spec.ingress[0].tls";
const cert = "serverCertificate: /c.pem, privateKey: /k.pem";
const TLS_CASES: RuleCase[] = [
  [
    tls(`mode: SIMPLE, ${cert}, subjectAltNames: [a]`),
    T,
    "sidecar: subjectAltNames is not supported in ingress tls",
  ],
  [tls("mode: SIMPLE, credentialName: c"), T, "sidecar: credentialName is not currently supported"],
  [tls("mode: SIMPLE, credentialNames: [c]"), T, "sidecar: credentialNames is not currently supported"],
  [
    tls("mode: SIMPLE, tlsCertificates: [{serverCertificate: /c, privateKey: /k}]"),
    T,
    "sidecar: tls_certificates is not currently supported",
  ],
  [
    tls("mode: ISTIO_MUTUAL"),
    T,
    "configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls",
  ],
  [
    tls("mode: ISTIO_MUTUAL, serverCertificate: /c.pem"),
    T,
    "ISTIO_MUTUAL TLS cannot have associated server certificate",
  ],
  [
    `ingress: [{port: {number: 9080, name: http, protocol: HTTP}, tls: {mode: SIMPLE, ${cert}}}]`,
    T,
    "server cannot have TLS settings for non HTTPS/TLS ports",
  ],
  [tls("mode: SIMPLE, privateKey: /k.pem"), T, "SIMPLE TLS requires a server certificate"],
  [tls(`mode: MUTUAL, ${cert}`), T, "MUTUAL TLS requires a client CA bundle"],
  [tls(`mode: SIMPLE, ${cert}, caCrl: /crl.pem`), T, "CRL is not supported with SIMPLE TLS"],
  [
    tls(`mode: SIMPLE, ${cert}, minProtocolVersion: TLSV1_1`),
    T,
    "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.",
    "warning",
  ],
  [
    tls(`mode: SIMPLE, ${cert}, cipherSuites: [BOGUS, AES128-SHA]`),
    T,
    "ignoring invalid cipher suites: [BOGUS]",
    "warning",
  ],
  [
    tls(`mode: SIMPLE, ${cert}, cipherSuites: [AES128-SHA, AES128-SHA]`),
    T,
    "ignoring duplicate cipher suites: [AES128-SHA]",
    "warning",
  ],
  [
    tls(`mode: PASSTHROUGH, ${cert}`),
    T,
    "PASSTHROUGH mode does not use certificates, they will be ignored",
    "warning",
  ],
  [
    tls("mode: SIMPLE, credentialName: c, credentialNames: [d]"),
    T,
    'Invalid value: "object": only one of credentialName or credentialNames can be set',
  ],
];

const E = "spec.egress";
const EGRESS_CASES: RuleCase[] = [
  [
    "egress: [{hosts: ['./*']}, {port: {number: 80, name: http, protocol: HTTP}, hosts: ['./*']}]",
    `${E}[0]`,
    "sidecar: the egress listener with empty port should be the last listener in the list",
  ],
  [
    "egress: [{port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}, hosts: ['./*']}]",
    `${E}[0].port.targetPort`,
    "targetPort has no impact on Sidecars",
  ],
  [
    "egress: [{port: {number: 0, name: uds, protocol: HTTP}, hosts: ['./*']}]",
    `${E}[0].bind`,
    "sidecar: ports with 0 value must have a unix domain socket bind address",
  ],
  [
    "egress: [{port: {number: 0, name: uds, protocol: HTTP}, bind: 'unix:///s.sock', captureMode: IPTABLES, hosts: ['./*']}]",
    `${E}[0].captureMode`,
    "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners",
  ],
  [
    "egress: [{port: {number: 0, protocol: HTTP}, bind: 'unix:///s.sock', hosts: ['./*']}, {port: {number: 0, protocol: HTTP}, bind: 'unix:///s.sock', hosts: ['./*']}]",
    `${E}[1].bind`,
    "sidecar: unix domain socket values for listeners must be unique",
  ],
  [
    "egress: [{port: {number: 80, protocol: HTTP}, hosts: ['./*']}, {port: {number: 80, protocol: TCP}, hosts: ['./*']}]",
    `${E}[1].port`,
    "sidecar: ports on IP bound listeners must be unique",
  ],
  [
    "egress: [{port: {number: 80, protocol: HTTP}, bind: 'x.y', hosts: ['./*']}]",
    `${E}[0].bind`,
    "x.y is not a valid IP",
  ],
  ["egress: [{hosts: []}]", `${E}[0].hosts`, "sidecar: egress listener must contain at least one host"],
  ["egress: [{hosts: [a.com]}]", `${E}[0].hosts[0]`, "host must be of form namespace/dnsName"],
  [
    "egress: [{hosts: ['/a.com']}]",
    `${E}[0].hosts[0]`,
    "config namespace and dnsName in host entry cannot be empty",
  ],
  ["egress: [{hosts: ['Bad_ns/a.com']}]", `${E}[0].hosts[0]`, 'invalid namespace value "Bad_ns" in sidecar'],
  ["egress: [{hosts: ['ns/svc']}]", `${E}[0].hosts[0]`, "short names (non FQDN) are not allowed"],
  ["egress: [{hosts: ['ns/*a.com']}]", `${E}[0].hosts[0]`, 'partial wildcard "*a.com" not allowed'],
  [
    "egress: [{hosts: ['ns/a_b.com']}]",
    `${E}[0].hosts[0]`,
    'domain name "a_b.com" invalid (label "a_b" invalid)',
  ],
  [
    "egress: [{hosts: ['ns/*', 'ns/a.com']}]",
    `${E}[0].hosts[1]`,
    "duplicated egress host: ns/a.com",
    "warning",
  ],
  [
    "egress: [{hosts: ['*/*', 'ns/a.com']}]",
    `${E}[0].hosts`,
    "`*/*` host select all resources, no other hosts can be added",
    "warning",
  ],
];

for (
  const [title, cases] of [
    ["general", GENERAL_CASES],
    ["ingress", INGRESS_CASES],
    ["ingress TLS", TLS_CASES],
    ["egress", EGRESS_CASES],
  ] as const
) {
  Deno.test(`Sidecar: ${title} rules`, (t) => testRuleCases(t, SC, cases));
}

Deno.test("Sidecar: the samples' REGISTRY_ONLY policy loads", () => {
  const r = loadYaml(
    resourceYaml(
      SC,
      "outboundTrafficPolicy: {mode: REGISTRY_ONLY}\negress: [{hosts: ['./*', istio-system/*]}]",
    ),
  );
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.config.sidecars[0].spec.outboundTrafficPolicy?.mode, "REGISTRY_ONLY");
});
