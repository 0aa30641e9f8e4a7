import assert from "node:assert/strict";
import {
  findModuleLayer,
  type Manifest,
  parseManifest,
  selectIndexEntry,
} from "../../../gateway/extensions/oci/manifest.ts";
import {
  CNCF_WASM_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_TAR,
  OCI_MANIFEST,
  WASM_CONFIG,
  WASM_LAYER,
} from "../../../gateway/extensions/oci/media_types.ts";

const hex = (c: string) => c.repeat(64);
const desc = (mediaType: string, c: string, extra: Record<string, unknown> = {}) => ({
  mediaType,
  digest: `sha256:${hex(c)}`,
  size: 10,
  ...extra,
});
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function image(layers: unknown[], mediaType?: string): Manifest & { kind: "image" } {
  const m = parseManifest(bytes({ schemaVersion: 2, mediaType, config: desc(WASM_CONFIG, "c"), layers }));
  assert.equal(m.kind, "image");
  return m as Manifest & { kind: "image" };
}

function index(manifests: unknown[]): Manifest & { kind: "index" } {
  const m = parseManifest(bytes({ schemaVersion: 2, manifests }), OCI_INDEX);
  assert.equal(m.kind, "index");
  return m as Manifest & { kind: "index" };
}

Deno.test("manifest: the media type comes from Content-Type, else the document's mediaType, else its shape", () => {
  const doc = { schemaVersion: 2, layers: [desc(OCI_LAYER_GZIP, "1")] };
  assert.equal(parseManifest(bytes(doc), `${DOCKER_MANIFEST}; charset=utf-8`).mediaType, DOCKER_MANIFEST);
  assert.equal(parseManifest(bytes({ ...doc, mediaType: DOCKER_MANIFEST })).mediaType, DOCKER_MANIFEST);
  assert.equal(parseManifest(bytes(doc), "application/json").mediaType, OCI_MANIFEST);
  const list = parseManifest(bytes({ schemaVersion: 2, manifests: [] }), DOCKER_MANIFEST_LIST);
  assert.deepEqual([list.kind, list.mediaType], ["index", DOCKER_MANIFEST_LIST]);
  const layers = (parseManifest(bytes(doc)) as Manifest & { kind: "image" }).layers;
  assert.deepEqual(layers, [{ mediaType: OCI_LAYER_GZIP, digest: hex("1"), size: 10, platform: undefined }]);
});

Deno.test("manifest: malformed documents and non-sha256 digests are refused with the reason", () => {
  assert.throws(() => parseManifest(new TextEncoder().encode("{")), /could not parse manifest/);
  assert.throws(() => parseManifest(bytes([1])), /not a JSON object/);
  assert.throws(
    () =>
      parseManifest(
        bytes({ schemaVersion: 1, fsLayers: [] }),
        "application/vnd.docker.distribution.manifest.v1+json",
      ),
    /unsupported manifest media type application\/vnd.docker.distribution.manifest.v1\+json/,
  );
  assert.throws(() => parseManifest(bytes({ schemaVersion: 1, layers: [] })), /schemaVersion must be 2/);
  assert.throws(
    () =>
      parseManifest(bytes({ schemaVersion: 2, layers: [{ mediaType: "x", digest: "sha512:ab", size: 1 }] })),
    /unsupported digest "sha512:ab" in layers\[0\]/,
  );
  assert.throws(
    () => parseManifest(bytes({ schemaVersion: 2, layers: [{ ...desc("x", "1"), size: -1 }] })),
    /layers\[0\]\.size/,
  );
});

Deno.test("manifest: the index entry is linux/amd64, else the only image, else a wasm one; attestations are skipped", () => {
  const amd = desc(OCI_MANIFEST, "1", { platform: { os: "linux", architecture: "amd64" } });
  const arm = desc(OCI_MANIFEST, "2", { platform: { os: "linux", architecture: "arm64" } });
  const wasm = desc(OCI_MANIFEST, "3", { platform: { os: "wasip1", architecture: "wasm" } });
  const attestation = desc(OCI_MANIFEST, "4", { platform: { os: "unknown", architecture: "unknown" } });
  assert.equal(selectIndexEntry(index([arm, amd, wasm])).digest, hex("1"));
  assert.equal(selectIndexEntry(index([arm, wasm])).digest, hex("3"));
  assert.equal(selectIndexEntry(index([attestation, arm])).digest, hex("2"));
  assert.equal(selectIndexEntry(index([desc(DOCKER_MANIFEST, "5")])).digest, hex("5"));
  assert.throws(
    () =>
      selectIndexEntry(
        index([arm, desc(OCI_MANIFEST, "6", { platform: { os: "windows", architecture: "amd64" } })]),
      ),
    /no image for platform linux\/amd64 or wasm in the index \(platforms: linux\/arm64, windows\/amd64\)/,
  );
});

Deno.test("manifest: the compat layout's last tar layer, Docker or OCI, gzipped or not", () => {
  const docker = findModuleLayer(
    image([desc(DOCKER_LAYER_GZIP, "0"), desc(DOCKER_LAYER_GZIP, "1")], DOCKER_MANIFEST),
  );
  assert.deepEqual([docker.layout, docker.layer.digest, docker.compression], ["compat", hex("1"), "gzip"]);
  const oci = findModuleLayer(image([desc(OCI_LAYER_GZIP, "1")]));
  assert.deepEqual([oci.layout, oci.compression], ["compat", "gzip"]);
  assert.equal(findModuleLayer(image([desc(OCI_LAYER_TAR, "1")])).compression, "none");
});

Deno.test("manifest: the artifact layout's module layer, with its config layer or alone (wasm-pkg)", () => {
  const solo = findModuleLayer(image([desc(WASM_LAYER, "1"), desc(WASM_CONFIG, "2")]));
  assert.deepEqual([solo.layout, solo.layer.digest, solo.compression], ["artifact", hex("1"), "none"]);
  const single = findModuleLayer(image([desc(WASM_LAYER, "1")]));
  assert.equal(single.layer.digest, hex("1"));
  const cncf = findModuleLayer(image([desc(CNCF_WASM_LAYER, "7")]));
  assert.deepEqual([cncf.layout, cncf.layer.digest], ["artifact", hex("7")]);
});

Deno.test("manifest: an image without a module layer names the layer types it has", () => {
  assert.throws(
    () => findModuleLayer(image([desc("application/vnd.oci.image.layer.v1.tar+zstd", "1")])),
    /holds no Wasm module: layers \[application\/vnd.oci.image.layer.v1.tar\+zstd\]/,
  );
  assert.throws(() => findModuleLayer(image([])), /layers \[none\]/);
});
