/**
 * Pushing Wasm images to a test registry through the OCI distribution API (blob upload `POST` + `PUT ?digest=`,
 * then `PUT` of the manifest), in the layouts Istio reads: Docker or OCI compat (a tar.gz layer holding
 * `plugin.wasm`), the Wasm artifact layout (a raw module layer beside a config layer), and an OCI index over a
 * compat image.
 * @module
 */
import { createTarGzip } from "nanotar";
import { sha256Hex } from "../../gateway/extensions/module_cache.ts";
import {
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  WASM_CONFIG,
  WASM_LAYER,
} from "../../gateway/extensions/oci/media_types.ts";

/** How an image stores its module. */
export type TestImageLayout = "docker" | "oci" | "artifact" | "index";

/** Where to push and with which `Authorization`. */
export interface PushTarget {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly repository: string;
  readonly authorization?: string;
}

/** A pushed image's digests (hex). */
export interface PushedImage {
  /** The image manifest's digest (what a WasmPlugin's `sha256` names). */
  readonly digest: string;
  /** The index's digest, for the `index` layout. */
  readonly indexDigest?: string;
}

/** A blob descriptor. */
interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

function headers(target: PushTarget, extra: Record<string, string> = {}): Headers {
  const h = new Headers(extra);
  if (target.authorization) h.set("authorization", target.authorization);
  return h;
}

/** Uploads `bytes` as a blob (monolithic upload) and returns its descriptor. */
export async function pushBlob(
  target: PushTarget,
  bytes: Uint8Array,
  mediaType: string,
): Promise<BlobDescriptor> {
  const digest = `sha256:${await sha256Hex(bytes)}`;
  const start = await fetch(`${target.url}/v2/${target.repository}/blobs/uploads/`, {
    method: "POST",
    headers: headers(target),
  });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
  const location = new URL(start.headers.get("location")!, target.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, {
    method: "PUT",
    headers: headers(target, { "content-type": "application/octet-stream" }),
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  const body = await put.text();
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${body}`);
  return { mediaType, digest, size: bytes.length };
}

/** Puts `manifest` under `reference` (a tag) and returns its hex digest. */
export async function pushManifest(
  target: PushTarget,
  reference: string,
  manifest: Record<string, unknown>,
): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const res = await fetch(`${target.url}/v2/${target.repository}/manifests/${reference}`, {
    method: "PUT",
    headers: headers(target, { "content-type": manifest.mediaType as string }),
    body: bytes,
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`manifest upload: HTTP ${res.status} ${body}`);
  return await sha256Hex(bytes);
}

/** A gzipped tar holding `plugin.wasm` (in `folder`, when given). */
export async function compatLayer(module: Uint8Array, folder = ""): Promise<Uint8Array> {
  return await createTarGzip([{ name: `${folder}plugin.wasm`, data: module }]);
}

/** Pushes `module` as `repository:tag` in `layout`. */
export async function pushWasmImage(
  target: PushTarget,
  tag: string,
  module: Uint8Array,
  layout: TestImageLayout,
): Promise<PushedImage> {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  if (layout === "artifact") {
    const config = await pushBlob(target, json({ type: "envoy_proxy", rootIds: [] }), WASM_CONFIG);
    const wasm = await pushBlob(target, module, WASM_LAYER);
    const digest = await pushManifest(target, tag, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [wasm, { ...config }],
    });
    return { digest };
  }
  const docker = layout === "docker";
  const layer = await pushBlob(
    target,
    await compatLayer(module),
    docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP,
  );
  const config = await pushBlob(
    target,
    json({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
    docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
  );
  const image = {
    schemaVersion: 2,
    mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config,
    layers: [layer],
  };
  if (layout !== "index") return { digest: await pushManifest(target, tag, image) };
  const digest = await pushManifest(target, `${tag}-image`, image);
  const size = new TextEncoder().encode(JSON.stringify(image)).length;
  const indexDigest = await pushManifest(target, tag, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{
      mediaType: OCI_MANIFEST,
      digest: `sha256:${digest}`,
      size,
      platform: { os: "linux", architecture: "amd64" },
    }],
  });
  return { digest, indexDigest };
}
