import assert from "node:assert/strict";
import { authorizationPolicyKind } from "../../../gateway/config/kinds/security/authorization_policy.ts";
import { formatDiagnostic } from "../../../gateway/config/diagnostics.ts";
import { loadYaml } from "../../helpers/config.ts";
import { errorLines } from "../../helpers/corpus.ts";
import {
  assertFinding,
  DRY_RUN,
  specDiagnostics,
  testCorpusFilesLoad,
  testCrdFixtures,
  testResource,
  testRuleCases,
} from "../../helpers/kind_cases.ts";

const AP = testResource(authorizationPolicyKind, "ap", "foo");

Deno.test("AuthorizationPolicy: CRD fixtures", (t) => testCrdFixtures(t, authorizationPolicyKind, "authz"));

// The doc's shell fills in $CLIENT_IP before kubectl sees the policy (readCorpusFile does too).
Deno.test("AuthorizationPolicy: dataset, samples and doc snippets load", (t) =>
  testCorpusFilesLoad(t, authorizationPolicyKind, [
    "istio.io/authn-policy/authn-policy-5-deny-notrequestprincipals.yaml",
    "istio.io/authn-policy/authn-policy-6-deny-notrequestprincipals-per-path.yaml",
    "istio.io/authz-deny/authz-deny-1-deny-method-get.yaml",
    "istio.io/authz-deny/authz-deny-2-deny-get-unless-x-token-admin.yaml",
    "istio.io/authz-deny/authz-deny-3-allow-path-ip.yaml",
    "istio.io/authz-http/authz-http-1-allow-nothing.yaml",
    "istio.io/authz-http/authz-http-2-productpage-viewer.yaml",
    "istio.io/authz-http/authz-http-3-bookinfo-gateway-viewer.yaml",
    "istio.io/authz-http/authz-http-4-details-reviews-ratings-viewer.yaml",
    "istio.io/authz-ingress/authz-ingress-1-allow-ipblocks.yaml",
    "istio.io/authz-ingress/authz-ingress-2-allow-remoteipblocks.yaml",
    "istio.io/authz-ingress/authz-ingress-3-deny-remoteipblocks.yaml",
    "istio.io/authz-jwt/authz-jwt-2-require-jwt.yaml",
    "istio.io/authz-jwt/authz-jwt-3-require-jwt-groups-claim.yaml",
  ]));

Deno.test("AuthorizationPolicy: a policy loads with its rules typed", () => {
  const r = loadYaml(`apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules:
  - from: [{source: {remoteIpBlocks: ["10.0.0.0/8"]}}]
    to: [{operation: {paths: ["/admin", "/admin/*"], ports: ["8080"]}}]
    when: [{key: "request.headers[x-token]", notValues: [admin]}]
`);
  assert.deepEqual(errorLines(r.diagnostics), []);
  const spec = r.config.authorizationPolicies[0].spec;
  assert.equal(spec.action, "DENY");
  assert.deepEqual(spec.rules?.[0].to?.[0].operation?.paths, ["/admin", "/admin/*"]);
  assert.equal(spec.rules?.[0].when?.[0].key, "request.headers[x-token]");
});

Deno.test("AuthorizationPolicy: CRD rules", (t) =>
  testRuleCases(t, AP, [
    [
      "selector: {matchLabels: {app: a}}\ntargetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]",
      "spec",
      "only one of targetRefs or selector can be set",
    ],
    [
      "rules: [{from: [{source: {serviceAccounts: [ns/sa], principals: [p]}}]}]",
      "spec.rules[0].from[0].source",
      "Cannot set serviceAccounts with namespaces or principals",
    ],
    [
      "selector: {matchLabels: {app: 'a*'}}",
      "spec.selector.matchLabels.app",
      "wildcard not allowed in label value match",
    ],
    [
      "targetRef: {kind: Service, name: s, namespace: other}",
      "spec.targetRef.namespace",
      "cross namespace referencing is not currently supported",
    ],
  ]));

Deno.test("AuthorizationPolicy: webhook rules", async (t) => {
  const never = "without `rules` is meaningless as it will never be triggered, " +
    "add an empty rule `{}` if you want it be triggered for every request";
  await testRuleCases(t, AP, [
    [
      "targetRefs: [{kind: Pod, name: p}]",
      "spec.targetRefs[0]",
      "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry " +
      "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Pod",
    ],
    ["selector: {}", "spec.selector", "workload selector specified without labels", "warning"],
    ["action: CUSTOM\nprovider: {name: ext}", "spec.action", `CUSTOM action ${never}`],
    ["action: CUSTOM\nrules: [{}]", "spec.provider", "`provider.name` must not be empty"],
    [
      "action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {principals: [a]}}]}]",
      "spec.rules[0].from[0].source.principals",
      "From.Principals is currently not supported with CUSTOM action",
    ],
    [
      "action: CUSTOM\nprovider: {name: ext}\nrules: [{when: [{key: 'request.auth.claims[iss]', values: [x]}]}]",
      "spec.rules[0].when[0].key",
      "request.auth.claims[iss] is currently not supported with CUSTOM action",
    ],
    [
      "provider: {name: ext}\nrules: [{}]",
      "spec.provider",
      "`provider` must not be with non CUSTOM action, found ALLOW",
    ],
    ["action: DENY\nrules: []", "spec.action", `DENY action ${never}`],
    ["rules: [{from: [{}]}]", "spec.rules[0].from[0]", "`from.source` must not be nil, found at rule 0"],
    [
      "rules: [{from: [{source: {}}]}]",
      "spec.rules[0].from[0].source",
      "`from.source` must not be empty, found at rule 0",
    ],
    ["rules: [{to: [{}]}]", "spec.rules[0].to[0]", "`to.operation` must not be nil, found at rule 0"],
    [
      "rules: [{to: [{operation: {}}]}]",
      "spec.rules[0].to[0].operation",
      "`to.operation` must not be empty, found at rule 0",
    ],
    [
      "rules: [{from: [{source: {ipBlocks: ['1.2.3']}}]}]",
      "spec.rules[0].from[0].source.ipBlocks[0]",
      "bad IP address (1.2.3)",
    ],
    [
      "rules: [{from: [{source: {notRemoteIpBlocks: ['10.0.0.0/33']}}]}]",
      "spec.rules[0].from[0].source.notRemoteIpBlocks[0]",
      'bad CIDR range (10.0.0.0/33): netip.ParsePrefix("10.0.0.0/33"): invalid prefix',
    ],
    [
      "rules: [{from: [{source: {principals: ['']}}]}]",
      "spec.rules[0].from[0].source.principals",
      "empty value not allowed, found in Principals",
    ],
    [
      "rules: [{from: [{source: {serviceAccounts: ['a/b/c']}}]}]",
      "spec.rules[0].from[0].source.serviceAccounts",
      `expected format 'serviceAccount' or 'namespace/serviceAccount', found "a/b/c" in ServiceAccounts`,
    ],
    [
      "rules: [{from: [{source: {notServiceAccounts: ['ns/*']}}]}]",
      "spec.rules[0].from[0].source.notServiceAccounts",
      "wildcard not allowed, found in NotServiceAccounts",
    ],
    [
      "rules: [{from: [{source: {trustDomains: ['a*b']}}]}]",
      "spec.rules[0].from[0].source.trustDomains",
      `wildcard is only allowed at the start or end, found in TrustDomains: "a*b"`,
    ],
    [
      "rules: [{from: [{source: {notTrustDomains: ['td/x']}}]}]",
      "spec.rules[0].from[0].source.notTrustDomains",
      `trust domain must not contain '/', found in NotTrustDomains: "td/x"`,
    ],
    [
      "rules: [{to: [{operation: {ports: [http]}}]}]",
      "spec.rules[0].to[0].operation.ports[0]",
      'bad port (http): strconv.ParseUint: parsing "http": invalid syntax',
    ],
    [
      "rules: [{to: [{operation: {notPorts: ['70000']}}]}]",
      "spec.rules[0].to[0].operation.notPorts[0]",
      "bad port (70000): <nil>",
    ],
    [
      "rules: [{to: [{operation: {methods: ['']}}]}]",
      "spec.rules[0].to[0].operation.methods",
      "empty value not allowed, found in Methods",
    ],
    [
      "rules: [{to: [{operation: {paths: ['/{**}/a/{*}']}}]}]",
      "spec.rules[0].to[0].operation.paths",
      "invalid or unsupported path {**}/a/{*}, found in Paths. {**} is not the last operator",
    ],
    [
      "rules: [{to: [{operation: {notPaths: ['/a{b}']}}]}]",
      "spec.rules[0].to[0].operation.notPaths",
      "invalid or unsupported path a{b}, found in NotPaths. Contains '{' or '}' beyond a supported path template",
    ],
    [
      "rules: [{to: [{operation: {paths: ['/{*}/a b']}}]}]",
      "spec.rules[0].to[0].operation.paths",
      "invalid or unsupported path {*}/a b, found in Paths. Contains segment a b with invalid string literal",
    ],
    ["rules: [{when: [{key: '', values: [a]}]}]", "spec.rules[0].when[0].key", "`key` must not be empty"],
    [
      "rules: [{when: [{key: 'request.headers[x]'}]}]",
      "spec.rules[0].when[0]",
      "at least one of `values` or `notValues` must be set for key request.headers[x]",
    ],
    [
      "rules: [{when: [{key: foo.bar, values: [a]}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` foo.bar: unknown attribute: foo.bar",
    ],
    [
      "rules: [{when: [{key: request.headers, values: [a]}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` request.headers: bad key (request.headers): should have format a[b]",
    ],
    [
      "rules: [{when: [{key: destination.port, notValues: [x]}]}]",
      "spec.rules[0].when[0].notValues",
      'invalid `notValue` for `key` destination.port: bad port (x): strconv.ParseUint: parsing "x": invalid syntax',
    ],
    [
      "rules: [{when: [{key: source.ip, values: ['300.1.1.1']}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` source.ip: bad IP address (300.1.1.1)",
    ],
    [
      "rules: [{when: [{key: destination.namespace, values: [a]}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` destination.namespace: attribute destination.namespace is replaced by the metadata.namespace",
    ],
    [
      "rules: [{when: [{key: 'destination.labels[app]', values: [a]}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector",
    ],
    [
      "rules: [{when: [{key: destination.user, values: [a]}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` destination.user: deprecated attribute destination.user: only supported in v1alpha1",
    ],
    [
      "rules: [{when: [{key: source.serviceAccount, values: ['a/b/c']}]}]",
      "spec.rules[0].when[0].values",
      "invalid `value` for `key` source.serviceAccount: expected format 'serviceAccount' or " +
      `'namespace/serviceAccount', found "a/b/c" in source.serviceAccount`,
    ],
    [
      "action: DENY\nrules: [{to: [{operation: {methods: [GET]}}]}]",
      "spec.rules[0]",
      "configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only " +
      "HTTP attributes in a DENY rule; it is recommended to explicitly specify the port",
      "warning",
    ],
  ]);
  await t.step("a DENY rule that names ports gives no TCP warning", () => {
    const ds = specDiagnostics(
      AP,
      "action: DENY\nrules: [{to: [{operation: {methods: [GET], ports: ['80']}}]}]",
    );
    assert.deepEqual(ds.filter((d) => d.severity !== "note").map(formatDiagnostic), []);
  });
  await t.step("istio.io/dry-run needs a boolean", () => {
    assertFinding(
      specDiagnostics(AP, "rules: [{}]", { annotations: '{"istio.io/dry-run": "maybe"}' }),
      "spec",
      'foo/ap has annotation istio.io/dry-run with invalid value (maybe): strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    assert.deepEqual(errorLines(specDiagnostics(AP, "rules: [{}]", DRY_RUN)), []);
  });
  await t.step("istio.io/dry-run only with ALLOW or DENY", () => {
    assertFinding(
      specDiagnostics(AP, "action: AUDIT\nrules: [{}]", DRY_RUN),
      "spec",
      "the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action AUDIT in foo/ap",
    );
  });
});
