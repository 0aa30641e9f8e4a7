import assert from "node:assert/strict";
import { compileYaml, DEFAULT_IDENTITY, loadYaml } from "../helpers/config.ts";
import { compileSnapshot } from "../../gateway/compile/snapshot.ts";
import { configDump } from "../../gateway/compile/config_dump.ts";
import { DEFAULT_MESH_CONFIG, parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import type { GatewayIdentity } from "../../gateway/compile/listeners.ts";
import type { CompiledExtAuthz } from "../../gateway/compile/authz/types.ts";
import { attrs } from "../security/authz/helpers.ts";

function ap(name: string, namespace: string, spec: string, annotations = ""): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${namespace}${annotations}}
spec:
${spec}
---
`;
}

const ALLOW_GET = `  rules: [{to: [{operation: {methods: [GET]}}]}]`;

Deno.test("authz compile: root namespace and gateway namespace policies apply when the selector is a subset", () => {
  const snap = compileYaml(
    ap("mesh", "istio-system", ALLOW_GET) +
      ap("gw", "istio-system", `  selector: {matchLabels: {istio: ingressgateway}}\n${ALLOW_GET}`) +
      ap("app", "istio-system", `  selector: {matchLabels: {app: httpbin}}\n${ALLOW_GET}`) +
      ap("other-ns", "foo", ALLOW_GET) +
      ap(
        "ref",
        "istio-system",
        `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\n${ALLOW_GET}`,
      ),
  );
  assert.deepEqual(snap.authz?.allow?.map((r) => r.id), [
    "ns[istio-system]-policy[gw]-rule[0]",
    "ns[istio-system]-policy[mesh]-rule[0]",
  ]);
});

Deno.test("authz compile: root-namespace selector policies reach a gateway in another namespace; targetRefs need a Gateway API gateway", () => {
  const yaml =
    ap("root-sel", "istio-system", `  selector: {matchLabels: {istio: ingressgateway}}\n${ALLOW_GET}`) +
    ap("own", "edge", ALLOW_GET) +
    ap(
      "ref",
      "edge",
      `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]\n${ALLOW_GET}`,
    ) +
    ap(
      "ref-other",
      "edge",
      `  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: private}\n${ALLOW_GET}`,
    ) +
    ap(
      "ref-root",
      "istio-system",
      `  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]\n${ALLOW_GET}`,
    );
  const classic = compileFor(yaml, { labels: { istio: "ingressgateway" }, namespace: "edge" });
  assert.deepEqual(classic.authz?.allow?.map((r) => r.policy), ["edge/own", "istio-system/root-sel"]);
  const gatewayApi = compileFor(yaml, {
    labels: { istio: "ingressgateway", "gateway.networking.k8s.io/gateway-name": "public" },
    namespace: "edge",
  });
  assert.deepEqual(gatewayApi.authz?.allow?.map((r) => r.policy), [
    "edge/own",
    "edge/ref",
    "istio-system/root-sel",
  ]);
});

Deno.test("authz compile: none applying leaves the snapshot without authz (the request path's fast path)", () => {
  assert.equal(compileYaml(ap("app", "default", ALLOW_GET)).authz, undefined);
  assert.equal(compileYaml("").authz, undefined);
});

Deno.test("authz compile: one rule per Envoy policy in name order; rule-less policies never match", () => {
  const snap = compileYaml(
    ap("b", "istio-system", `  action: DENY\n  rules: [{to: [{operation: {paths: [/b]}}]}, {}]`) +
      ap("a", "istio-system", `  action: DENY\n  rules: [{to: [{operation: {paths: [/a]}}]}]`) +
      ap("nothing", "istio-system", "  {}") +
      ap("audit", "istio-system", `  action: AUDIT\n  rules: [{}]`),
  );
  const authz = snap.authz!;
  assert.deepEqual(authz.deny.map((r) => r.id), [
    "ns[istio-system]-policy[a]-rule[0]",
    "ns[istio-system]-policy[b]-rule[0]",
    "ns[istio-system]-policy[b]-rule[1]",
  ]);
  assert.deepEqual(authz.allow?.map((r) => r.id), ["ns[istio-system]-policy[nothing]-rule[0]"]);
  assert.equal(authz.allow![0].matches(attrs()), false, "spec: {} is an ALLOW policy matching nothing");
  assert.deepEqual(authz.audit.map((r) => r.id), ["ns[istio-system]-policy[audit]-rule[0]"]);
});

Deno.test("authz compile: dry-run policies are not enforced", () => {
  const snap = compileYaml(
    ap("shadow", "istio-system", ALLOW_GET, `, annotations: {"istio.io/dry-run": "true"}`) +
      ap(
        "real",
        "istio-system",
        `  action: DENY\n  rules: [{}]`,
        `, annotations: {"istio.io/dry-run": "false"}`,
      ),
  );
  assert.deepEqual(snap.authz?.dryRun, ["istio-system/shadow"]);
  assert.equal(snap.authz?.allow, undefined);
  assert.deepEqual(snap.authz?.deny.map((r) => r.policy), ["istio-system/real"]);
});

const EXT_AUTHZ_SE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext-authz, namespace: foo}
spec:
  hosts: [ext-authz.foo.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
`;

function compileFor(yaml: string, identity: GatewayIdentity) {
  const loaded = loadYaml(yaml);
  return compileSnapshot(loaded.config, {
    mesh: DEFAULT_MESH_CONFIG,
    identity,
    warnings: loaded.diagnostics,
  });
}

function compileWithMesh(yaml: string, meshYaml: string) {
  const { mesh, diagnostics } = parseMeshConfig("mesh.yaml", meshYaml);
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const loaded = loadYaml(yaml);
  return compileSnapshot(loaded.config, { mesh, identity: DEFAULT_IDENTITY, warnings: loaded.diagnostics });
}

const CUSTOM = (provider: string) =>
  ap(
    "ext",
    "istio-system",
    `  action: CUSTOM\n  provider: {name: ${provider}}\n  rules: [{to: [{operation: {paths: [/headers]}}]}]`,
  );

Deno.test("authz compile: a CUSTOM provider resolves to the service's cluster with the provider's settings", () => {
  const snap = compileWithMesh(
    EXT_AUTHZ_SE + CUSTOM("sample-ext-authz-http"),
    `extensionProviders:
- name: sample-ext-authz-http
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: "8000"
    pathPrefix: /check
    timeout: 2s
    statusOnError: "503"
    failOpen: true
    includeRequestHeadersInCheck: [x-ext-authz, "x-b3-*"]
    includeAdditionalHeadersInCheck: {X-Zeta: z, x-alpha: a}
    headersToUpstreamOnAllow: [x-user]
    headersToDownstreamOnDeny: [x-reason]
    includeRequestBodyInCheck: {maxRequestBytes: 100, allowPartialMessage: true}
`,
  );
  const custom = snap.authz!.custom!;
  assert.deepEqual(custom.rules.map((r) => r.id), ["istio-ext-authz-ns[istio-system]-policy[ext]-rule[0]"]);
  const p = custom.provider as CompiledExtAuthz;
  assert.deepEqual(
    [p.cluster, p.pathPrefix, p.timeoutMs, p.statusOnError, p.failOpen, p.body],
    ["outbound|8000||ext-authz.foo.svc.cluster.local", "/check", 2000, 503, true, {
      maxBytes: 100,
      allowPartial: true,
    }],
  );
  assert.deepEqual(
    p.additionalHeaders,
    [["x-zeta", "z"], ["x-alpha", "a"]],
    "istiod's order: keys sorted as written",
  );
  assert.deepEqual(
    ["x-ext-authz", "X-B3-TraceId".toLowerCase(), "cookie"].map(p.requestHeaders),
    [true, true, false],
  );
  assert.deepEqual(["x-user", "x-other"].map(p.upstreamOnAllow), [true, false]);
  assert.deepEqual(["x-reason", "www-authenticate", "location", "x-other"].map(p.downstreamOnDeny!), [
    true,
    true,
    true,
    false,
  ]);
  assert.deepEqual(["x-user"].map(p.downstreamOnAllow), [false], "nothing reaches the client by default");
  const dump = configDump(snap).authorization as { custom: { provider: { cluster: string } } };
  assert.equal(dump.custom.provider.cluster, "outbound|8000||ext-authz.foo.svc.cluster.local");
});

Deno.test("authz compile: unusable CUSTOM providers are reported and turn the CUSTOM rules into denials", () => {
  const cases: [string, string, RegExp][] = [
    [CUSTOM("missing"), "extensionProviders: []", /available providers are .* but found "missing"/],
    [
      CUSTOM("p"),
      "extensionProviders: [{name: p, envoyExtAuthzHttp: {service: nowhere.foo.svc.cluster.local, port: 80}}]",
      /could not find service nowhere.foo.svc.cluster.local/,
    ],
    [
      CUSTOM("p"),
      "extensionProviders: [{name: p, envoyExtAuthzHttp: {service: bar/ext-authz.foo.svc.cluster.local, port: 8000}}]",
      /could not find service/,
    ],
    [
      CUSTOM("p"),
      "extensionProviders: [{name: p, envoyExtAuthzGrpc: {service: ext-authz.foo.svc.cluster.local, port: 9000}}]",
      /envoyExtAuthzGrpc is not supported/,
    ],
    [
      CUSTOM("p"),
      `extensionProviders: [{name: p, envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000, headersToUpstreamOnAllow: ["*"]}}]`,
      /a single wildcard/,
    ],
    [
      CUSTOM("p") + ap("ext2", "istio-system", `  action: CUSTOM\n  provider: {name: q}\n  rules: [{}]`),
      "extensionProviders: [{name: p, envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000}}]",
      /only 1 provider can be used per workload/,
    ],
  ];
  for (const [yaml, mesh, error] of cases) {
    const snap = compileWithMesh(EXT_AUTHZ_SE + yaml, mesh);
    const provider = snap.authz!.custom!.provider;
    assert.ok("error" in provider && error.test(provider.error), `${mesh}: ${JSON.stringify(provider)}`);
    assert.ok(snap.warnings.some((w) => w.path === "spec.provider.name" && error.test(w.message)));
  }
  const ok = compileWithMesh(
    EXT_AUTHZ_SE + CUSTOM("p"),
    "extensionProviders: [{name: p, envoyExtAuthzHttp: {service: foo/ext-authz.foo.svc.cluster.local, port: 8000}}]",
  );
  assert.ok(!("error" in ok.authz!.custom!.provider), "namespace/host names the service too");
});
