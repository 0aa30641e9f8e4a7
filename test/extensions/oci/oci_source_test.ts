import assert from "node:assert/strict";
import { sha256Hex } from "../../../gateway/extensions/module_cache.ts";
import { OciModuleSource, type OciPullRequest } from "../../../gateway/extensions/oci/oci_source.ts";
import { pushWasmImage } from "../../helpers/oci_push.ts";
import { REGISTRY_MISSING, startRegistry, type TestRegistry } from "../../helpers/oci_registry.ts";
import { testFilter } from "../../helpers/wasm.ts";

if (REGISTRY_MISSING) console.warn(REGISTRY_MISSING);

/** A source on a fresh cache (unless given), with its log lines. */
async function source(registry: TestRegistry, cacheDir?: string) {
  const lines: string[] = [];
  const src = new OciModuleSource({
    cacheDir: cacheDir ?? await Deno.makeTempDir(),
    insecureRegistries: [registry.host],
    log: (line) => lines.push(line),
  });
  const pulls = () => lines.filter((l) => l.startsWith("fetching image")).length;
  return { src, lines, pulls };
}

function request(url: string, extra: Partial<OciPullRequest> = {}): OciPullRequest {
  return { url, pullPolicy: "IfNotPresent", namespace: "istio-system", ...extra };
}

Deno.test({
  name: "OCI source: IfNotPresent reuses a tag's last pull; Always resolves the tag again",
  ignore: REGISTRY_MISSING !== undefined,
  fn: async () => {
    const registry = await startRegistry();
    try {
      const target = { url: registry.url, repository: "filters/swap" };
      const headers = await testFilter("headers");
      const localReply = await testFilter("local_reply");
      await pushWasmImage(target, "v1", headers, "oci");
      const { src, pulls } = await source(registry);
      const url = `oci://${registry.host}/filters/swap:v1`;
      assert.deepEqual(await src.fetch(request(url)), headers);
      await pushWasmImage(target, "v1", localReply, "docker");
      assert.deepEqual(await src.fetch(request(url)), headers);
      assert.equal(pulls(), 1);
      assert.deepEqual(await src.fetch(request(url, { pullPolicy: "Always" })), localReply);
      assert.equal(pulls(), 2);
      assert.deepEqual(await src.fetch(request(url)), localReply, "the tag now means the image pulled last");
    } finally {
      await registry.stop();
    }
  },
});

Deno.test({
  name:
    "OCI source: an image named by digest loads from the disk cache with the registry gone; a tag does not",
  ignore: REGISTRY_MISSING !== undefined,
  fn: async () => {
    const registry = await startRegistry();
    const cacheDir = await Deno.makeTempDir();
    const module = await testFilter("headers");
    let pushed;
    try {
      pushed = await pushWasmImage({ url: registry.url, repository: "filters/h" }, "v1", module, "index");
      const { src } = await source(registry, cacheDir);
      assert.deepEqual(await src.fetch(request(`oci://${registry.host}/filters/h:v1`)), module);
    } finally {
      await registry.stop();
    }
    const { src, pulls } = await source(registry, cacheDir);
    const byDigest = `${registry.host}/filters/h@sha256:${pushed.digest}`;
    assert.deepEqual(await src.fetch(request(byDigest, { pullPolicy: "Always" })), module);
    const bySha = `oci://${registry.host}/filters/h:v1`;
    assert.deepEqual(await src.fetch(request(bySha, { sha256: pushed.indexDigest })), module);
    assert.equal(pulls(), 0);
    await assert.rejects(() => src.fetch(request(bySha)), /could not fetch Wasm OCI image: GET .* failed/);
    assert.equal(pulls(), 1);
  },
});

Deno.test({
  name: "OCI source: sha256 names the image manifest, not the module; a non-Wasm layer is refused",
  ignore: REGISTRY_MISSING !== undefined,
  fn: async () => {
    const registry = await startRegistry();
    try {
      const module = await testFilter("headers");
      const target = { url: registry.url, repository: "filters/h" };
      const pushed = await pushWasmImage(target, "v1", module, "artifact");
      const { src } = await source(registry);
      const url = `oci://${registry.host}/filters/h:v1`;
      await assert.rejects(
        async () => src.fetch(request(url, { sha256: await sha256Hex(module) })),
        /has checksum [0-9a-f]{64}, which does not match: [0-9a-f]{64} \(for an OCI image, sha256 is the digest of the image manifest\)/,
      );
      assert.deepEqual(await src.fetch(request(url, { sha256: pushed.digest })), module);
      await pushWasmImage(target, "text", new TextEncoder().encode("not a module"), "artifact");
      await assert.rejects(
        () => src.fetch(request(`oci://${registry.host}/filters/h:text`)),
        /fetched Wasm binary from oci:\/\/.*\/filters\/h:text is invalid/,
      );
      await assert.rejects(
        () => src.fetch(request(`oci://${registry.host}/filters/h:v1`, { imagePullSecret: "regcred" })),
        /missing image pulling secret istio-system\/regcred: no credentials folder/,
      );
    } finally {
      await registry.stop();
    }
  },
});
