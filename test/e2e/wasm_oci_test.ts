/**
 * WasmPlugins whose modules come from a real OCI registry (Debian's docker-registry on 127.0.0.1): image layouts,
 * tags and digests, sha256 checks with failStrategy, Basic and token authentication with imagePullSecret, the
 * digest cache across restarts, and imagePullPolicy on config changes.
 */
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import {
  serveConfig,
  startTestGateway,
  staticService,
  type TestGateway,
  writeAtomically,
} from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";
import { pushWasmImage } from "../helpers/oci_push.ts";
import { REGISTRY_MISSING, startRegistry } from "../helpers/oci_registry.ts";
import { startTokenServer } from "../helpers/oci_token_server.ts";
import { testFilter } from "../helpers/wasm.ts";

if (REGISTRY_MISSING) console.warn(REGISTRY_MISSING);
const ignore = REGISTRY_MISSING !== undefined;

/** A Gateway with one HTTP server per port, routing everything to `app` at 127.0.0.1:`upstream`. */
function appConfig(ports: readonly number[], upstream: number, plugins: string): string {
  const servers = ports.map((p) =>
    `  - port: {number: ${p}, name: http-${p}, protocol: HTTP}\n    hosts: ["*"]`
  );
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers.join("\n")}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: app, port: {number: 80}}
---
` + staticService("app", [upstream]) + plugins;
}

/** A WasmPlugin in istio-system for the default gateway; `extra` adds spec lines, `meta` metadata fields. */
function plugin(name: string, url: string, extra = "", meta = ""): string {
  return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ${name}, namespace: istio-system${meta}}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  url: ${url}
${extra}---
`;
}

const onPort = (port: number) => `  match: [{ports: [{number: ${port}}]}]\n`;

type PluginState = { plugin: string; state: string; lastError?: string; servingPrevious?: boolean };

async function pluginStates(gw: TestGateway): Promise<PluginState[]> {
  return (await (await fetch(`${gw.adminUrl}/config_dump`)).json()).wasmPlugins;
}

/** Waits until no plugin is loading; returns the states by plugin name. */
async function settledStates(gw: TestGateway): Promise<PluginState[]> {
  let states: PluginState[] = [];
  await eventually(async () => {
    states = await pluginStates(gw);
    return states.every((s) => s.state !== "loading" && !s.servingPrevious);
  }, 10_000);
  return states.sort((a, b) => a.plugin.localeCompare(b.plugin));
}

Deno.test({
  name: "wasm oci: modules pulled by tag and by digest from every image layout, with and without oci://",
  ignore,
  fn: async () => {
    const registry = await startRegistry();
    const up = startUpstream("app");
    const port = freePort();
    let gw: TestGateway | undefined;
    try {
      const module = await testFilter("headers");
      const push = (repo: string, layout: "docker" | "oci" | "artifact" | "index") =>
        pushWasmImage({ url: registry.url, repository: `filters/${repo}` }, "v1", module, layout);
      await push("docker", "docker");
      const oci = await push("oci", "oci");
      const artifact = await push("artifact", "artifact");
      const index = await push("index", "index");
      const r = registry.host;
      gw = await serveConfig(appConfig(
        [port],
        up.port,
        plugin("docker-tag", `oci://${r}/filters/docker:v1`) +
          plugin("oci-digest-no-scheme", `${r}/filters/oci@sha256:${oci.digest}`) +
          plugin("artifact-tag", `oci://${r}/filters/artifact:v1`, `  sha256: ${artifact.digest}\n`) +
          plugin("index-digest", `oci://${r}/filters/index@sha256:${index.indexDigest}`),
      ));
      const states = await settledStates(gw);
      assert.deepEqual(states.map((s) => [s.plugin, s.state]), [
        ["istio-system/artifact-tag", "ready"],
        ["istio-system/docker-tag", "ready"],
        ["istio-system/index-digest", "ready"],
        ["istio-system/oci-digest-no-scheme", "ready"],
      ], JSON.stringify(states));
      const res = await fetchText(`http://127.0.0.1:${port}/x`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-wasm-response"), "yes, yes, yes, yes", "each of the four plugins ran");
      assert.equal(up.requests.at(-1)!.headers.get("x-wasm-added"), "yes, yes, yes, yes");
      const logs = gw.logs.join("\n");
      assert.match(logs, /fetching image filters\/docker from registry 127\.0\.0\.1:\d+ with tag v1/);
      assert.match(logs, /answered in plain HTTP; fetching from it over http/);
    } finally {
      await gw?.close();
      await up.close();
      await registry.stop();
    }
  },
});

Deno.test({
  name:
    "wasm oci: a sha256 that is not the image's denies under FAIL_CLOSE (403) and is skipped under FAIL_OPEN",
  ignore,
  fn: async () => {
    const registry = await startRegistry();
    const up = startUpstream("app");
    const [closedPort, openPort] = [freePort(), freePort()];
    let gw: TestGateway | undefined;
    try {
      await pushWasmImage(
        { url: registry.url, repository: "filters/h" },
        "v1",
        await testFilter("headers"),
        "oci",
      );
      const url = `oci://${registry.host}/filters/h:v1`;
      const wrong = `  sha256: "${"0".repeat(64)}"\n`;
      gw = await serveConfig(
        appConfig(
          [closedPort, openPort],
          up.port,
          plugin("closed", url, wrong + onPort(closedPort)) +
            plugin("open", url, wrong + "  failStrategy: FAIL_OPEN\n" + onPort(openPort)),
        ),
        { wasmInsecureRegistries: [registry.host] },
      );
      const closed = await fetchText(`http://127.0.0.1:${closedPort}/`);
      assert.equal(closed.status, 403);
      assert.equal(closed.body, "RBAC: access denied");
      const open = await fetchText(`http://127.0.0.1:${openPort}/`);
      assert.equal(open.status, 200);
      assert.equal(open.headers.get("x-wasm-response"), null);
      const states = await settledStates(gw);
      for (const s of states) {
        assert.match(s.lastError ?? "", /has checksum [0-9a-f]{64}, which does not match: 0{64}/);
      }
      const logs = gw.logs.join("\n");
      assert.match(
        logs,
        /cannot fetch Wasm module oci:\/\/.*\(istio-system\/closed\).*applying deny RBAC filter/,
      );
      assert.match(
        logs,
        /cannot fetch Wasm module oci:\/\/.*\(istio-system\/open\).*applying allow RBAC filter/,
      );
      assert.doesNotMatch(logs, /answered in plain HTTP/, "an insecure registry is asked over http at once");
    } finally {
      await gw?.close();
      await up.close();
      await registry.stop();
    }
  },
});

Deno.test({
  name: "wasm oci: a registry with Basic auth needs the WasmPlugin's imagePullSecret from --wasm-credentials",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/htpasswd`, `puller:${bcrypt.hashSync("s3cret", 4)}\n`);
    const registry = await startRegistry({ auth: { kind: "htpasswd", file: `${dir}/htpasswd` } });
    const up = startUpstream("app");
    const [anonPort, securePort] = [freePort(), freePort()];
    let gw: TestGateway | undefined;
    try {
      const basic = `Basic ${btoa("puller:s3cret")}`;
      const target = { url: registry.url, repository: "private/h", authorization: basic };
      await pushWasmImage(target, "v1", await testFilter("headers"), "docker");
      const dockerConfig = JSON.stringify({ auths: { [registry.host]: { auth: btoa("puller:s3cret") } } });
      await Deno.mkdir(`${dir}/creds/istio-system`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/creds/istio-system/regcred`,
        `apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: istio-system}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ${btoa(dockerConfig)}
`,
      );
      const url = `oci://${registry.host}/private/h:v1`;
      gw = await serveConfig(
        appConfig(
          [anonPort, securePort],
          up.port,
          plugin("anonymous", url, onPort(anonPort)) +
            plugin("with-secret", url, "  imagePullSecret: regcred\n" + onPort(securePort)),
        ),
        { wasmCredentialsDir: `${dir}/creds`, wasmInsecureRegistries: [registry.host] },
      );
      const states = await settledStates(gw);
      assert.deepEqual(states.map((s) => s.state), ["failed", "ready"], JSON.stringify(states));
      assert.match(states[0].lastError!, /requires a user and password \(Basic authentication\)/);
      assert.equal((await fetchText(`http://127.0.0.1:${anonPort}/`)).status, 403);
      const res = await fetchText(`http://127.0.0.1:${securePort}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-wasm-response"), "yes");
    } finally {
      await gw?.close();
      await up.close();
      await registry.stop();
    }
  },
});

Deno.test({
  name: "wasm oci: a token-auth registry: the gateway gets a Bearer token with the pull secret's credentials",
  ignore,
  fn: async () => {
    const tokens = await startTokenServer({ username: "robot", password: "pw" });
    const registry = await startRegistry({
      auth: {
        kind: "token",
        realm: tokens.realm,
        service: tokens.service,
        issuer: tokens.issuer,
        rootCertBundle: tokens.certFile,
      },
    });
    const up = startUpstream("app");
    const port = freePort();
    let gw: TestGateway | undefined;
    try {
      const authorization = `Bearer ${await tokens.pushToken("team/deny")}`;
      await pushWasmImage(
        { url: registry.url, repository: "team/deny", authorization },
        "v2",
        await testFilter("local_reply"),
        "artifact",
      );
      const creds = await Deno.makeTempDir();
      await Deno.mkdir(`${creds}/istio-system/robot`, { recursive: true });
      await Deno.writeTextFile(
        `${creds}/istio-system/robot/.dockerconfigjson`,
        JSON.stringify({ auths: { [`http://${registry.host}`]: { username: "robot", password: "pw" } } }),
      );
      gw = await serveConfig(
        appConfig(
          [port],
          up.port,
          plugin("deny", `oci://${registry.host}/team/deny:v2`, "  imagePullSecret: robot\n"),
        ),
        { wasmCredentialsDir: creds, wasmInsecureRegistries: [registry.host] },
      );
      const denied = await fetchText(`http://127.0.0.1:${port}/deny`);
      assert.equal(denied.status, 403);
      assert.equal(denied.body, "denied by wasm\n");
      assert.equal((await fetchText(`http://127.0.0.1:${port}/fine`)).status, 200);
      const pulls = tokens.requests.filter((r) => r.scope.includes("repository:team/deny:pull"));
      assert.ok(pulls.length >= 1 && pulls.every((r) => r.authenticated), JSON.stringify(tokens.requests));
    } finally {
      await gw?.close();
      await up.close();
      await registry.stop();
      await tokens.close();
    }
  },
});

Deno.test({
  name: "wasm oci: with the registry stopped, a restarted gateway loads a digest-named module from its cache",
  ignore,
  fn: async () => {
    const registry = await startRegistry();
    const cache = await Deno.makeTempDir();
    const up = startUpstream("app");
    const [digestPort, tagPort] = [freePort(), freePort()];
    let config = "";
    try {
      const pushed = await pushWasmImage(
        { url: registry.url, repository: "filters/h" },
        "v1",
        await testFilter("headers"),
        "oci",
      );
      const base = `oci://${registry.host}/filters/h`;
      config = appConfig(
        [digestPort, tagPort],
        up.port,
        plugin("by-digest", `${base}@sha256:${pushed.digest}`, onPort(digestPort)) +
          plugin("by-tag", `${base}:v1`, onPort(tagPort)),
      );
      const first = await serveConfig(config, {
        wasmCacheDir: cache,
        wasmInsecureRegistries: [registry.host],
      });
      try {
        assert.deepEqual((await settledStates(first)).map((s) => s.state), ["ready", "ready"]);
      } finally {
        await first.close();
      }
    } finally {
      await registry.stop();
    }
    const second = await serveConfig(config, {
      wasmCacheDir: cache,
      wasmInsecureRegistries: [registry.host],
    });
    try {
      const states = await settledStates(second);
      assert.deepEqual(states.map((s) => [s.plugin, s.state]), [
        ["istio-system/by-digest", "ready"],
        ["istio-system/by-tag", "failed"],
      ]);
      const res = await fetchText(`http://127.0.0.1:${digestPort}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-wasm-response"), "yes");
      assert.equal((await fetchText(`http://127.0.0.1:${tagPort}/`)).status, 403);
      assert.match(
        states[1].lastError!,
        /could not fetch Wasm OCI image: GET http:\/\/127\.0\.0\.1:\d+\/v2\/filters\/h\/manifests\/v1 failed/,
      );
    } finally {
      await second.close();
      await up.close();
    }
  },
});

Deno.test({
  name: "wasm oci: a changed WasmPlugin pulls :latest again (Always) but keeps an IfNotPresent tag's image",
  ignore,
  fn: async () => {
    const registry = await startRegistry();
    const up = startUpstream("app");
    const [alwaysPort, keepPort] = [freePort(), freePort()];
    const dir = await Deno.makeTempDir();
    let gw: TestGateway | undefined;
    try {
      const target = { url: registry.url, repository: "filters/swap" };
      await pushWasmImage(target, "latest", await testFilter("headers"), "oci");
      const url = `oci://${registry.host}/filters/swap:latest`;
      const write = (meta: string, config: string) =>
        writeAtomically(
          `${dir}/config.yaml`,
          appConfig(
            [alwaysPort, keepPort],
            up.port,
            plugin("always", url, onPort(alwaysPort), meta) +
              plugin("keep", url, `  imagePullPolicy: IfNotPresent\n${config}` + onPort(keepPort), meta),
          ),
        );
      await write("", "");
      gw = await startTestGateway(
        { kind: "paths", paths: [dir] },
        { watch: false, wasmInsecureRegistries: [registry.host] },
      );
      assert.deepEqual((await settledStates(gw)).map((s) => s.state), ["ready", "ready"]);
      for (const port of [alwaysPort, keepPort]) {
        assert.equal(
          (await fetchText(`http://127.0.0.1:${port}/deny`)).headers.get("x-wasm-response"),
          "yes",
        );
      }
      await pushWasmImage(target, "latest", await testFilter("local_reply"), "docker");
      await write(", annotations: {rev: '2'}", "  pluginConfig: {rev: 2}\n");
      await gw.config.reload();
      assert.deepEqual((await settledStates(gw)).map((s) => s.state), ["ready", "ready"]);
      const always = await fetchText(`http://127.0.0.1:${alwaysPort}/deny`);
      assert.equal(always.status, 403);
      assert.equal(always.body, "denied by wasm\n");
      const kept = await fetchText(`http://127.0.0.1:${keepPort}/deny`);
      assert.equal(kept.status, 200);
      assert.equal(kept.headers.get("x-wasm-response"), "yes");
      const pulls = gw.logs.filter((l) => l.includes("fetching image filters/swap"));
      assert.equal(pulls.length, 3, pulls.join("\n"));
    } finally {
      await gw?.close();
      await up.close();
      await registry.stop();
    }
  },
});
