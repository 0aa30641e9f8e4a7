import assert from "node:assert/strict";
import { loadYaml } from "../../helpers/config.ts";
import { EXT_AUTHZ_DENY_BODY, startExtAuthz, type TestExtAuthz } from "../../helpers/ext_authz.ts";
import { freePort, startUpstream } from "../../helpers/net.ts";
import { compileSnapshot } from "../../../gateway/compile/snapshot.ts";
import type { Snapshot } from "../../../gateway/compile/types.ts";
import { parseMeshConfig } from "../../../gateway/config/mesh/mod.ts";
import { ClusterStates } from "../../../gateway/proxy/cluster_state.ts";
import { DnsCache } from "../../../gateway/proxy/dns.ts";
import { EndpointResolver } from "../../../gateway/proxy/endpoints.ts";
import { sendUpstreamAuto } from "../../../gateway/proxy/upstream_client.ts";
import { checkCustom, type CustomOutcome } from "../../../gateway/security/authz/custom.ts";
import { authzAttributes } from "../../../gateway/security/authz/attributes.ts";
import { clientAddresses } from "../../../gateway/proxy/client_address.ts";

/** A snapshot with the ext-authz service on 127.0.0.1:`port` and a CUSTOM policy for `/headers*`. */
function snapshotFor(port: number, provider: string): Snapshot {
  const { mesh, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    `extensionProviders:
- name: sample-ext-authz-http
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: "8000"
${provider}`,
  );
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const loaded = loadYaml(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext-authz, namespace: foo}
spec:
  hosts: [ext-authz.foo.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext-authz, namespace: istio-system}
spec:
  action: CUSTOM
  provider: {name: sample-ext-authz-http}
  rules: [{to: [{operation: {paths: ["/headers*"]}}]}]
`);
  return compileSnapshot(loaded.config, {
    mesh,
    identity: { labels: { istio: "ingressgateway" }, namespace: "istio-system" },
  });
}

const deps = (snapshot: Snapshot) => ({
  snapshot,
  endpoints: new EndpointResolver(new DnsCache({ resolve: () => Promise.reject(new Error("no dns")) })),
  clusters: new ClusterStates(),
  send: sendUpstreamAuto,
});

/** Runs the CUSTOM step for a request to `path` on the snapshot. */
function check(snapshot: Snapshot, path: string, init: RequestInit = {}): Promise<CustomOutcome> {
  const req = new Request(`http://gw.example${path}`, init);
  const q = path.indexOf("?");
  const attrs = authzAttributes({
    req,
    authority: "gw.example",
    path: q < 0 ? path : path.slice(0, q),
    fullPath: path,
    scheme: "http",
    peer: "10.0.0.1",
    localAddress: "127.0.0.1:8080",
    addresses: clientAddresses("10.0.0.1", req.headers.get("x-forwarded-for"), 0),
  });
  return checkCustom(
    snapshot.authz!.custom!,
    attrs,
    { req, authority: "gw.example", fullPath: path },
    deps(snapshot),
  );
}

async function withServer(fn: (server: TestExtAuthz) => Promise<void>, extra?: Record<string, string>) {
  const server = startExtAuthz(extra);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("custom: only requests matching a CUSTOM rule are checked", async () => {
  await withServer(async (server) => {
    const outcome = await check(snapshotFor(server.port, ""), "/ip");
    assert.equal(outcome.ok, true);
    assert.equal(server.checks.length, 0);
  });
});

Deno.test("custom: the check carries method, path, host, authorization and the included headers only", async () => {
  await withServer(async (server) => {
    const snap = snapshotFor(
      server.port,
      `    pathPrefix: /authz
    includeRequestHeadersInCheck: [x-ext-authz]
    includeAdditionalHeadersInCheck: {x-added: "yes", x-ext-authz: allow}`,
    );
    const outcome = await check(snap, "/headers?a=1", {
      method: "PUT",
      body: "payload",
      headers: { "x-ext-authz": "deny", authorization: "Bearer t", cookie: "c=1" },
    });
    assert.equal(outcome.ok, true, "the added header overrides the request's");
    const seen = server.checks[0];
    assert.deepEqual([seen.method, seen.path, seen.body], ["PUT", "/authz/headers?a=1", ""]);
    assert.equal(seen.headers.get("host"), "gw.example");
    assert.equal(seen.headers.get("authorization"), "Bearer t");
    assert.equal(seen.headers.get("x-added"), "yes");
    assert.equal(seen.headers.get("cookie"), null, "headers not included stay out");
    assert.equal(seen.headers.get("content-length"), "0", "no body unless includeRequestBodyInCheck");
  });
});

Deno.test("custom: allow sets headersToUpstreamOnAllow, removes what the server names, adds headersToDownstreamOnAllow", async () => {
  await withServer(async (server) => {
    const snap = snapshotFor(
      server.port,
      `    includeRequestHeadersInCheck: [x-ext-authz]
    headersToUpstreamOnAllow: [x-ext-authz-check-result, "x-user*"]
    headersToDownstreamOnAllow: [x-ext-authz-check-result]`,
    );
    const outcome = await check(snap, "/headers", {
      headers: { "x-ext-authz": "allow", "x-secret": "s", "x-user-id": "old" },
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.req.headers.get("x-ext-authz-check-result"), "allowed");
    assert.equal(outcome.req.headers.get("x-user-id"), "42");
    assert.equal(outcome.req.headers.get("x-secret"), null);
    assert.deepEqual(outcome.responseHeaders, [["x-ext-authz-check-result", "allowed"]]);
  }, { "x-user-id": "42", "x-envoy-auth-headers-to-remove": "x-secret, host" });
});

Deno.test("custom: a denial passes the server's status, body and headers to the client (UAEX)", async () => {
  await withServer(async (server) => {
    const all = await check(snapshotFor(server.port, ""), "/headers", { headers: { "x-ext-authz": "deny" } });
    assert.ok(!all.ok);
    assert.deepEqual([all.flag, all.details, all.response.status], ["UAEX", "ext_authz_denied", 403]);
    assert.equal(await all.response.text(), EXT_AUTHZ_DENY_BODY);
    assert.equal(all.response.headers.get("x-ext-authz-check-result"), "denied");
    assert.equal(all.response.headers.get("server"), "istio-envoy");
    const listed = await check(
      snapshotFor(server.port, "    headersToDownstreamOnDeny: [x-other]"),
      "/headers",
    );
    assert.ok(!listed.ok);
    assert.equal(listed.response.headers.get("x-ext-authz-check-result"), null, "only the listed headers");
    await listed.response.body?.cancel();
  });
});

Deno.test("custom: errors deny with statusOnError (default 403), or let the request through with failOpen", async () => {
  const failing = startUpstream("broken", () => new Response("boom", { status: 500 }));
  const slow = startUpstream(
    "slow",
    () => new Promise((r) => setTimeout(() => r(new Response("late")), 2000)),
  );
  try {
    const error = await check(snapshotFor(failing.port, ""), "/headers");
    assert.ok(!error.ok);
    assert.deepEqual([error.response.status, error.flag, error.details], [403, "UAEX", "ext_authz_error"]);
    assert.equal(await error.response.text(), "");
    const unreachable = await check(snapshotFor(freePort(), `    statusOnError: "503"`), "/headers");
    assert.ok(!unreachable.ok);
    assert.equal(unreachable.response.status, 503);
    const timedOut = await check(snapshotFor(slow.port, "    timeout: 0.2s"), "/headers");
    assert.ok(!timedOut.ok && timedOut.details === "ext_authz_error");
    const open = await check(snapshotFor(failing.port, "    failOpen: true"), "/headers");
    assert.equal(open.ok, true);
  } finally {
    await Promise.all([failing.close(), slow.kill()]);
  }
});

Deno.test("custom: includeRequestBodyInCheck sends the body; too large is 413 unless partial messages are allowed", async () => {
  await withServer(async (server) => {
    const init = () => ({ method: "POST", body: "0123456789", headers: { "x-ext-authz": "allow" } });
    const whole = await check(
      snapshotFor(
        server.port,
        `    includeRequestHeadersInCheck: [x-ext-authz]
    includeRequestBodyInCheck: {maxRequestBytes: 100}`,
      ),
      "/headers",
      init(),
    );
    assert.ok(whole.ok);
    assert.equal(server.checks.at(-1)!.body, "0123456789");
    assert.equal(server.checks.at(-1)!.headers.get("content-length"), "10");
    assert.equal(await whole.req.text(), "0123456789", "the upstream still gets the body");

    const tooLarge = await check(
      snapshotFor(server.port, "    includeRequestBodyInCheck: {maxRequestBytes: 4}"),
      "/headers",
      init(),
    );
    assert.ok(!tooLarge.ok);
    assert.equal(tooLarge.response.status, 413);
    await tooLarge.response.body?.cancel();

    const partial = await check(
      snapshotFor(
        server.port,
        `    includeRequestHeadersInCheck: [x-ext-authz]
    includeRequestBodyInCheck: {maxRequestBytes: 4, allowPartialMessage: true}`,
      ),
      "/headers",
      init(),
    );
    assert.ok(partial.ok);
    assert.equal(server.checks.at(-1)!.body, "0123");
    assert.equal(await partial.req.text(), "0123456789");
  });
});

Deno.test("custom: an unusable provider denies what the CUSTOM rules match, as RBAC", async () => {
  const snap = snapshotFor(1, "").authz!.custom!.provider;
  assert.ok(!("error" in snap), "port 1 is a valid provider");
  const { mesh } = parseMeshConfig("mesh.yaml", "extensionProviders: []");
  const loaded = loadYaml(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: istio-system}
spec:
  action: CUSTOM
  provider: {name: nowhere}
  rules: [{}]
`);
  const bad = compileSnapshot(loaded.config, { mesh, identity: { labels: {}, namespace: "istio-system" } });
  const outcome = await check(bad, "/x");
  assert.ok(!outcome.ok);
  assert.deepEqual(
    [outcome.response.status, outcome.details, await outcome.response.text()],
    [
      403,
      "rbac_access_denied_matched_policy[istio-ext-authz-ns[istio-system]-policy[ext]-rule[0]]",
      "RBAC: access denied",
    ],
  );
});
