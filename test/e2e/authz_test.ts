/**
 * AuthorizationPolicy end to end, with the istio.io authorization task configs: the real files (their workload
 * selectors do not select the gateway, so they must not apply), and gateway-targeted variants of them.
 * @module
 */
import assert from "node:assert/strict";
import { DEFAULT_MESH_CONFIG, type MeshConfig, parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import { corpusPath } from "../helpers/corpus.ts";
import { EXT_AUTHZ_DENY_BODY, startExtAuthz } from "../helpers/ext_authz.ts";
import { serveConfig, simpleConfig } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

/** The ingress gateway's labels in an Istio install. */
const INGRESS = { labels: { app: "istio-ingressgateway", istio: "ingressgateway" } };

function corpus(relative: string): string {
  return Deno.readTextFileSync(corpusPath(relative));
}

/** A task file moved to the gateway: into istio-system, its workload selector replaced by the gateway's. */
function atGateway(yaml: string): string {
  return yaml.replace(/namespace: "?(foo|default)"?/g, "namespace: istio-system")
    .replace(/app: (httpbin|productpage)/g, "istio: ingressgateway");
}

/** Runs `fn` against a gateway routing everything to an upstream, with `policies` added. */
async function withGateway(
  policies: string,
  fn: (
    get: (path: string, init?: RequestInit) => Promise<{ status: number; body: string; headers: Headers }>,
  ) => Promise<void>,
  mesh: MeshConfig = DEFAULT_MESH_CONFIG,
): Promise<void> {
  const app = startUpstream("httpbin");
  const port = freePort();
  const gw = await serveConfig(simpleConfig(port, app.port, `---\n${policies}\n`), {
    mesh,
    identity: INGRESS,
  });
  try {
    await fn((path, init) => fetchText(`http://127.0.0.1:${port}${path}`, init));
  } finally {
    await gw.close();
    await app.close();
  }
}

Deno.test("authz e2e: authz-http: workload policies do not apply at the gateway; allow-nothing denies all, then ALLOW GET", async () => {
  const dir = await Deno.makeTempDir();
  const logFile = `${dir}/access.log`;
  const allowNothing = corpus("istio.io/authz-http/authz-http-1-allow-nothing.yaml");
  const viewer = corpus("istio.io/authz-http/authz-http-2-productpage-viewer.yaml");
  await withGateway(`${allowNothing}\n---\n${viewer}`, async (get) => {
    assert.equal(
      (await get("/productpage")).status,
      200,
      "policies of namespace default do not reach istio-system",
    );
  });
  const mesh = {
    ...DEFAULT_MESH_CONFIG,
    accessLogFile: logFile,
    accessLogFormat: "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\n",
  };
  await withGateway(atGateway(allowNothing), async (get) => {
    const denied = await get("/productpage");
    assert.deepEqual([denied.status, denied.body], [403, "RBAC: access denied"]);
    assert.equal(denied.headers.get("server"), "istio-envoy");
    assert.equal((await get("/no/route/here")).status, 403, "RBAC runs before the router's 404");
  }, mesh);
  let log = "";
  assert.ok(
    await eventually(async () => (log = await Deno.readTextFile(logFile).catch(() => "")).includes("\n")),
  );
  assert.match(log, /^403 - rbac_access_denied_matched_policy\[none\]$/m);

  await withGateway(`${atGateway(allowNothing)}\n---\n${atGateway(viewer)}`, async (get) => {
    assert.deepEqual([
      (await get("/productpage")).status,
      (await get("/productpage", { method: "POST" })).status,
    ], [
      200,
      403,
    ]);
  });
});

Deno.test("authz e2e: authz-deny: DENY GET; DENY unless x-token admin; DENY before ALLOW paths /ip", async () => {
  const denyGet = corpus("istio.io/authz-deny/authz-deny-1-deny-method-get.yaml");
  const unlessAdmin = corpus("istio.io/authz-deny/authz-deny-2-deny-get-unless-x-token-admin.yaml");
  const allowIp = corpus("istio.io/authz-deny/authz-deny-3-allow-path-ip.yaml");
  await withGateway(`${denyGet}\n---\n${allowIp}`, async (get) => {
    assert.equal((await get("/get")).status, 200, "selector app: httpbin does not select the gateway");
  });
  await withGateway(atGateway(denyGet), async (get) => {
    assert.equal((await get("/get")).status, 403);
    assert.equal((await get("/post", { method: "POST" })).status, 200);
  });
  await withGateway(atGateway(unlessAdmin), async (get) => {
    assert.equal((await get("/get", { headers: { "x-token": "admin" } })).status, 200);
    assert.equal((await get("/get", { headers: { "x-token": "guest" } })).status, 403);
    assert.equal((await get("/get")).status, 403);
  });
  await withGateway(`${atGateway(unlessAdmin)}\n---\n${atGateway(allowIp)}`, async (get) => {
    assert.equal((await get("/ip", { headers: { "x-token": "guest" } })).status, 403, "DENY comes first");
    assert.equal((await get("/ip", { headers: { "x-token": "admin" } })).status, 200);
    assert.equal(
      (await get("/get", { headers: { "x-token": "admin" } })).status,
      403,
      "no ALLOW rule matches",
    );
    assert.equal(
      (await get("/ip?x=1", { headers: { "x-token": "admin" } })).status,
      200,
      "the query is not part of paths",
    );
  });
});

Deno.test("authz e2e: authz-ingress: ipBlocks is the peer, remoteIpBlocks the client from X-Forwarded-For", async () => {
  const { mesh: parsed, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    corpus("istio.io/authz-ingress/authz-ingress-0-meshconfig-numtrustedproxies.yaml"),
  );
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const mesh = { ...parsed, accessLogFile: "" };
  assert.equal(mesh.defaultConfig.gatewayTopology.numTrustedProxies, 1);
  const ipBlocks = corpus("istio.io/authz-ingress/authz-ingress-1-allow-ipblocks.yaml");
  const remote = corpus("istio.io/authz-ingress/authz-ingress-2-allow-remoteipblocks.yaml");
  const denyRemote = corpus("istio.io/authz-ingress/authz-ingress-3-deny-remoteipblocks.yaml");
  const xff = (v: string) => ({ headers: { "x-forwarded-for": v } });

  await withGateway(ipBlocks, async (get) => {
    assert.equal(
      (await get("/headers")).status,
      403,
      "the file's selector app: istio-ingressgateway applies",
    );
    assert.equal(
      (await get("/headers", xff("1.2.3.4"))).status,
      403,
      "X-Forwarded-For does not change the peer",
    );
  }, mesh);
  await withGateway(ipBlocks.replace('"5.6.7.0/24"', '"5.6.7.0/24", "127.0.0.1"'), async (get) => {
    assert.equal((await get("/headers")).status, 200);
  }, mesh);
  await withGateway(remote, async (get) => {
    assert.equal((await get("/headers", xff("5.6.7.8"))).status, 200);
    assert.equal((await get("/headers", xff("1.2.3.4"))).status, 200);
    assert.equal((await get("/headers", xff("9.9.9.9"))).status, 403);
    assert.equal((await get("/headers", xff("1.2.3.4, 9.9.9.9"))).status, 403, "only one hop is trusted");
    assert.equal((await get("/headers")).status, 403, "no X-Forwarded-For: the peer");
  }, mesh);
  await withGateway(denyRemote.replaceAll("$CLIENT_IP", "9.9.9.9"), async (get) => {
    assert.equal((await get("/headers", xff("9.9.9.9"))).status, 403);
    assert.equal((await get("/headers", xff("9.9.9.9, 5.6.7.8"))).status, 200);
    assert.equal((await get("/headers")).status, 200);
  }, mesh);
});

Deno.test("authz e2e: authz-jwt and authn-policy: requestPrincipals, groups claim, notRequestPrincipals per path", async () => {
  const samples = "istio-istio/security/tools/jwt/samples";
  const jwks = startUpstream(
    "jwks",
    () => new Response(corpus(`${samples}/jwks.json`), { headers: { "content-type": "application/json" } }),
  );
  const demo = corpus(`${samples}/demo.jwt`).trim();
  const groups = corpus(`${samples}/groups-scope.jwt`).trim();
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const authn = atGateway(corpus("istio.io/authz-jwt/authz-jwt-1-requestauthentication.yaml"))
    .replace(/jwksUri: .*/, `jwksUri: "http://127.0.0.1:${jwks.port}/jwks.json"`);
  try {
    await withGateway(
      `${authn}\n---\n${corpus("istio.io/authz-jwt/authz-jwt-2-require-jwt.yaml")}`,
      async (get) => {
        assert.equal((await get("/headers")).status, 200, "the workload's require-jwt does not apply");
        assert.equal((await get("/headers", bearer("invalidToken"))).status, 401);
      },
    );
    await withGateway(
      `${authn}\n---\n${atGateway(corpus("istio.io/authz-jwt/authz-jwt-2-require-jwt.yaml"))}`,
      async (get) => {
        assert.equal((await get("/headers", bearer(demo))).status, 200);
        assert.deepEqual([(await get("/headers")).status, (await get("/headers")).body], [
          403,
          "RBAC: access denied",
        ]);
        assert.equal(
          (await get("/headers", bearer("invalidToken"))).status,
          401,
          "an invalid token is refused first",
        );
      },
    );
    const groupsClaim = atGateway(corpus("istio.io/authz-jwt/authz-jwt-3-require-jwt-groups-claim.yaml"));
    await withGateway(`${authn}\n---\n${groupsClaim}`, async (get) => {
      assert.equal((await get("/headers", bearer(groups))).status, 200);
      assert.equal((await get("/headers", bearer(demo))).status, 403, "demo.jwt has no groups claim");
    });
    const perPath = corpus("istio.io/authn-policy/authn-policy-6-deny-notrequestprincipals-per-path.yaml");
    await withGateway(`${authn}\n---\n${perPath}`, async (get) => {
      assert.equal((await get("/headers")).status, 403);
      assert.equal((await get("/ip")).status, 200);
      assert.equal((await get("/headers", bearer(demo))).status, 200);
    });
  } finally {
    await jwks.close();
  }
});

Deno.test("authz e2e: CUSTOM with the sample ext-authz server; CUSTOM cannot override DENY", async () => {
  const server = startExtAuthz();
  const { mesh: parsed, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    `extensionProviders:
- name: "sample-ext-authz-http"
  envoyExtAuthzHttp:
    service: "ext-authz.foo.svc.cluster.local"
    port: "8000"
    includeRequestHeadersInCheck: ["x-ext-authz"]
`,
  );
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const policies = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext-authz, namespace: foo}
spec:
  hosts: [ext-authz.foo.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${server.port}}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext-authz, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: CUSTOM
  provider: {name: sample-ext-authz-http}
  rules: [{to: [{operation: {paths: ["/headers", "/admin"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: istio-system}
spec:
  action: DENY
  rules: [{to: [{operation: {paths: ["/admin"]}}]}]
`;
  const allow = { headers: { "x-ext-authz": "allow" } };
  try {
    await withGateway(policies, async (get) => {
      const denied = await get("/headers", { headers: { "x-ext-authz": "deny" } });
      assert.deepEqual([denied.status, denied.body], [403, EXT_AUTHZ_DENY_BODY]);
      assert.equal(denied.headers.get("x-ext-authz-check-result"), "denied");
      assert.equal((await get("/headers", allow)).status, 200);
      assert.equal(server.checks.at(-1)!.headers.get("x-ext-authz"), "allow");
      const before = server.checks.length;
      assert.equal((await get("/ip")).status, 200, "/ip is not checked");
      assert.equal(server.checks.length, before);
      assert.equal((await get("/admin", allow)).status, 403, "the DENY policy still applies");
    }, { ...parsed, accessLogFile: "" });
  } finally {
    await server.close();
  }
});

Deno.test("authz e2e: /config_dump lists the compiled policies", async () => {
  const app = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(
    simpleConfig(
      port,
      app.port,
      `---\n${atGateway(corpus("istio.io/authz-deny/authz-deny-1-deny-method-get.yaml"))}\n`,
    ),
    { identity: INGRESS },
  );
  try {
    const dump = JSON.parse((await fetchText(`${gw.adminUrl}/config_dump`)).body);
    assert.deepEqual(dump.authorization.deny, ["ns[istio-system]-policy[deny-method-get]-rule[0]"]);
    assert.equal(dump.authorization.allow, undefined);
  } finally {
    await gw.close();
    await app.close();
  }
});
