import assert from "node:assert/strict";
import { destinationRuleKind } from "../../../gateway/config/kinds/networking/destination_rule.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import {
  loadCorpusOfKind,
  type RuleCase,
  testCrdFixtures,
  testResource,
  testRuleCases,
} from "../../helpers/kind_cases.ts";

Deno.test("DestinationRule: istio's CRD test data", (t) =>
  testCrdFixtures(t, destinationRuleKind, "destinationrule"));

Deno.test("DestinationRule: datasets, samples and istio.io tasks load", async () => {
  const { errors, config } = await loadCorpusOfKind(destinationRuleKind);
  assert.deepEqual(errors, []);
  assert.ok(config.destinationRules.length >= 11, `${config.destinationRules.length} loaded`);
});

const DR = testResource(destinationRuleKind, "dr", "ns1");

/** A case's spec with the host every DestinationRule needs, unless the case sets its own. */
function withHost(spec: string): string {
  return spec.startsWith("host:") ? spec : "host: reviews.ns1.svc.cluster.local\n" + spec;
}

const POLICY_CASES: RuleCase[] = [
  ["trafficPolicy: {}", "spec.trafficPolicy", "traffic policy must have at least one field"],
  [
    "trafficPolicy: {tunnel: {targetHost: a.com, targetPort: 80}, proxyProtocol: {version: V1}}",
    "spec.trafficPolicy",
    "tunnel and proxyProtocol must not be set together",
  ],
  [
    "trafficPolicy: {outlierDetection: {baseEjectionTime: 1500us}}",
    "spec.trafficPolicy.outlierDetection.baseEjectionTime",
    "only durations to ms precision are supported",
  ],
  [
    "trafficPolicy: {outlierDetection: {consecutiveErrors: 3}}",
    "spec.trafficPolicy.outlierDetection.consecutiveErrors",
    "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
    "warning",
  ],
  [
    "trafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 2}}",
    "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures",
    "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
  ],
  [
    "trafficPolicy: {outlierDetection: {maxEjectionPercent: 150}}",
    "spec.trafficPolicy.outlierDetection.maxEjectionPercent",
    "percentage 150 is not in range 0..100",
  ],
  [
    "trafficPolicy: {connectionPool: {}}",
    "spec.trafficPolicy.connectionPool",
    "connection pool must have at least one field",
  ],
  [
    "trafficPolicy: {connectionPool: {http: {http1MaxPendingRequests: -1}}}",
    "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests",
    "http1 max pending requests must be non-negative",
  ],
  [
    "trafficPolicy: {connectionPool: {tcp: {maxConnections: -1}}}",
    "spec.trafficPolicy.connectionPool.tcp.maxConnections",
    "max connections must be non-negative",
  ],
  [
    "trafficPolicy: {connectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}}",
    "spec.trafficPolicy.connectionPool.http.useClientProtocol",
    "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
  ],
  [
    "trafficPolicy: {connectionPool: {http: {http2KeepAlive: {interval: 1s}}}}",
    "spec.trafficPolicy.connectionPool.http.http2KeepAlive",
    "http2 keepalive timeout is required",
  ],
  [
    "trafficPolicy: {connectionPool: {tcp: {idleTimeout: 1500us}}}",
    "spec.trafficPolicy.connectionPool.tcp.idleTimeout",
    "only durations to ms precision are supported",
  ],
  [
    "trafficPolicy: {tls: {mode: SIMPLE, credentialName: 'configmap://other/ca'}}",
    "spec.trafficPolicy.tls.credentialName",
    'invalid configmap:// credentialName: namespace must match the configuration namespace "ns1"',
  ],
  [
    "trafficPolicy: {tls: {mode: SIMPLE, credentialName: 'configmap://ca'}}",
    "spec.trafficPolicy.tls.credentialName",
    'invalid configmap:// credentialName: invalid resource name "configmap://ca". Expected namespace and name',
  ],
  [
    "trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}}",
    "spec.trafficPolicy.tls",
    "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
  ],
  [
    "trafficPolicy: {tls: {mode: MUTUAL, insecureSkipVerify: true, subjectAltNames: [a]}}",
    "spec.trafficPolicy.tls",
    "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true",
  ],
  [
    "trafficPolicy: {tls: {mode: SIMPLE, credentialName: cred, caCertificates: /ca.pem}}",
    "spec.trafficPolicy.tls",
    "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
  ],
  [
    "trafficPolicy: {tls: {mode: MUTUAL}}",
    "spec.trafficPolicy.tls",
    "client certificate required for mutual tls",
  ],
  ["trafficPolicy: {tls: {mode: MUTUAL}}", "spec.trafficPolicy.tls", "private key required for mutual tls"],
  [
    "trafficPolicy: {portLevelSettings: [{port: {number: 80}}]}",
    "spec.trafficPolicy.portLevelSettings[0]",
    "port traffic policy must have at least one field",
  ],
  [
    "trafficPolicy: {portLevelSettings: [{tls: {mode: SIMPLE}}]}",
    "spec.trafficPolicy.portLevelSettings[0]",
    "portTrafficPolicy must have valid port",
  ],
  [
    "trafficPolicy: {tunnel: {protocol: GET, targetHost: a.com, targetPort: 80}}",
    "spec.trafficPolicy.tunnel.protocol",
    'tunnel protocol must be "CONNECT" or "POST"',
  ],
  [
    "trafficPolicy: {tunnel: {targetHost: a_b, targetPort: 80}}",
    "spec.trafficPolicy.tunnel.targetHost",
    'tunnel target host must be valid FQDN or IP address: domain name "a_b" invalid (label "a_b" invalid); a_b is not a valid IP',
  ],
  [
    "trafficPolicy: {tunnel: {targetHost: 10.0.0.1, targetPort: 0}}",
    "spec.trafficPolicy.tunnel.targetPort",
    "tunnel target port is invalid: port number 0 must be in the range 1..65535",
  ],
];

const LB = "spec.trafficPolicy.loadBalancer";
const LB_CASES: RuleCase[] = [
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: ''}}}}",
    `${LB}.consistentHash.httpCookie.name`,
    "name required for HttpCookie",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: c, attributes: [{name: a}, {name: a}]}}}}",
    `${LB}.consistentHash.httpCookie.attributes[1].name`,
    "duplicate cookie attribute name: a",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: c, attributes: [{name: ''}]}}}}",
    `${LB}.consistentHash.httpCookie.attributes[0].name`,
    "cookie attribute name cannot be empty",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024}}}",
    `${LB}.consistentHash.minimumRingSize`,
    "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
    "warning",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024, ringHash: {minimumRingSize: 1024}}}}",
    `${LB}.consistentHash`,
    "only one of MinimumRingSize or Maglev/Ringhash can be specified",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {}}}}",
    `${LB}.consistentHash.maglev.tableSize`,
    "tableSize must be set for maglev",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 5000012}}}}",
    `${LB}.consistentHash.maglev.tableSize`,
    "tableSize must be less than 5000011 for maglev",
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 1000}}}}",
    `${LB}.consistentHash.maglev.tableSize`,
    "tableSize must be a prime number for maglev",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {}, zoneAwareLbSetting: {}}}",
    LB,
    "only one of localityLbSetting and zoneAwareLbSetting can be set",
  ],
  [
    "trafficPolicy: {loadBalancer: {warmup: {duration: 1500us}}}",
    `${LB}.warmup.duration`,
    "only durations to ms precision are supported",
  ],
  [
    "trafficPolicy: {loadBalancer: {warmup: {duration: 10s, aggression: 0}}}",
    `${LB}.warmup.aggression`,
    "aggression should be greater than 0",
  ],
];

const LOC = `${LB}.localityLbSetting`;
const ZONE = `${LB}.zoneAwareLbSetting`;
const od = "outlierDetection: {consecutive5xxErrors: 1}";
const LOCALITY_CASES: RuleCase[] = [
  [
    `trafficPolicy: {${od}, loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 100}}], failover: [{from: a, to: b}]}}}`,
    LOC,
    "can not simultaneously specify 'distribute' and 'failover'",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}], failoverPriority: [topology.kubernetes.io/zone]}}}`,
    `${LOC}.failoverPriority`,
    "can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/zone' in 'failover_priority'",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 0}}]}}}",
    `${LOC}.distribute[0].to`,
    "locality weight must be in range [1, 100]",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 90}}]}}}",
    `${LOC}.distribute[0].to`,
    "total locality weight 90 != 100",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: 'a/*/c', to: {b: 100}}]}}}",
    `${LOC}.distribute`,
    "locality a/*/c wildcard '*' number can not exceed 1 and must be in the end",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 100}}, {from: a/z, to: {b: 100}}]}}}",
    `${LOC}.distribute`,
    "locality a/z overlap with previous specified ones",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a//c, to: {b: 100}}]}}}",
    `${LOC}.distribute`,
    "locality a//c must not contain empty region/zone/subzone info",
  ],
  [
    "trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}]}}}",
    LOC,
    "outlier detection policy must be provided for failover",
    "warning",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {localityLbSetting: {failover: [{from: a, to: a}]}}}`,
    `${LOC}.failover[0]`,
    "locality lb failover settings must specify different regions",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {localityLbSetting: {failover: [{from: a/z, to: b}]}}}`,
    `${LOC}.failover[0]`,
    "locality lb failover only specify region",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {localityLbSetting: {failover: [{from: '*', to: b}]}}}`,
    `${LOC}.failover[0]`,
    "locality lb failover region should not contain '*' wildcard",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {zoneAwareLbSetting: {failoverPriority: [topology.istio.io/subzone]}}}`,
    `${ZONE}.failoverPriority[0]`,
    "'failover_priority' for zone aware lb must not use topology label 'topology.istio.io/subzone'; region- and zone-level routing are handled automatically",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {zoneAwareLbSetting: {failover: [{from: a, to: a}]}}}`,
    `${ZONE}.failover[0]`,
    "zone aware lb failover settings must specify different regions",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {zoneAwareLbSetting: {failover: [{from: a/z, to: b}]}}}`,
    `${ZONE}.failover[0]`,
    "zone aware lb failover only specifies region; zone and subzone failover are handled automatically",
  ],
  [
    `trafficPolicy: {${od}, loadBalancer: {zoneAwareLbSetting: {failover: [{from: a, to: '*'}]}}}`,
    `${ZONE}.failover[0]`,
    "zone aware lb failover region should not contain '*' wildcard",
  ],
  [
    "trafficPolicy: {loadBalancer: {zoneAwareLbSetting: {failover: [{from: a, to: b}]}}}",
    ZONE,
    "outlier detection policy must be provided for failover",
    "warning",
  ],
];

const RULE_CASES: RuleCase[] = [
  ["host: a..b", "spec.host", 'domain name ".b" invalid (label "" invalid)'],
  ["subsets: [{name: v1}, {name: v1}]", "spec.subsets[1].name", "duplicate subset names: v1"],
  ["subsets: [{name: ''}]", "spec.subsets[0].name", "subset name cannot be empty"],
  ["subsets: [{name: v_1}]", "spec.subsets[0].name", "subset name is invalid: v_1"],
  ["subsets: [{name: v1, labels: {version: -v1}}]", "spec.subsets[0].labels", 'invalid tag value: "-v1"'],
  [
    "subsets: [{name: v1, trafficPolicy: {}}]",
    "spec.subsets[0].trafficPolicy",
    "traffic policy must have at least one field",
  ],
  ["exportTo: [a, a]", "spec.exportTo[1]", "duplicate entries in exportTo for entry a"],
  ["exportTo: [ns1, .]", "spec.exportTo[1]", "duplicate entries in exportTo: . and current namespace ns1"],
  [
    "exportTo: ['*', a]",
    "spec.exportTo",
    "cannot have both public (*) and non-public exportTo values for a resource",
  ],
  ["exportTo: ['~']", "spec.exportTo[0]", "exportTo ~ (none) is not allowed for Istio configuration objects"],
  [
    "workloadSelector: {matchLabels: {app: a}}\nexportTo: [other]",
    "spec.exportTo",
    "destination rule with workload selector cannot have exportTo beyond current namespace",
  ],
  [
    "workloadSelector: {matchLabels: {app: a}}\nexportTo: [., other]",
    "spec.exportTo",
    "destination rule with workload selector cannot have multiple entries in exportTo",
  ],
  ["workloadSelector: {}", "spec.workloadSelector", "workload selector specified without labels", "warning"],
];

const SCHEMA_CASES: RuleCase[] = [
  [
    "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, consistentHash: {useSourceIp: true}}}",
    LB,
    'Invalid value: "object": must validate one and only one schema (oneOf): only one of simple, consistentHash, backendUtilization may be set',
  ],
  [
    "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, httpHeaderName: x}}}",
    `${LB}.consistentHash`,
    'Invalid value: "object": must validate one and only one schema (oneOf): only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName may be set',
  ],
  [
    "trafficPolicy: {loadBalancer: {simple: FASTEST}}",
    `${LB}.simple`,
    'Unsupported value: "FASTEST": supported values: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"',
  ],
  [
    "trafficPolicy: {outlierDetection: {interval: 0s}}",
    "spec.trafficPolicy.outlierDetection.interval",
    "must be a valid duration greater than 1ms",
  ],
  [
    "trafficPolicy: {outlierDetection: {outlierDetectionHttpErrorCodes: [600]}}",
    "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[0]",
    "Invalid value: 600: should be less than or equal to 599",
  ],
  [
    "workloadSelector: {matchLabels: {'*': a}}",
    "spec.workloadSelector.matchLabels",
    'Invalid value: "object": wildcard not allowed in label key match',
  ],
  [
    "workloadSelector: {matchLabels: {app: '*'}}",
    "spec.workloadSelector.matchLabels.app",
    'Invalid value: "string": wildcard not allowed in label value match',
  ],
  ["trafficPolicy: {tunnel: {targetHost: a.com}}", "spec.trafficPolicy.tunnel.targetPort", "Required value"],
];

for (
  const [title, cases] of [
    ["traffic policy", POLICY_CASES],
    ["load balancer", LB_CASES],
    ["locality", LOCALITY_CASES],
    ["host, subsets, exportTo, selector", RULE_CASES],
    ["schema (OpenAPI and CEL)", SCHEMA_CASES],
  ] as const
) {
  Deno.test(`DestinationRule: ${title} rules`, (t) =>
    testRuleCases(t, DR, cases, { completeSpec: withHost }));
}

Deno.test("DestinationRule: a rule without spec is rejected for its missing host", () => {
  const r = loadYaml("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\n");
  assert.deepEqual(errorsOf(r).map((e) => e.replace(/^.*?: error: /, "")), [
    "DestinationRule default/x: spec.host: Required value",
  ]);
});
