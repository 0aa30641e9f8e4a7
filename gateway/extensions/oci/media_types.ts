/**
 * The media types of the OCI distribution API that Wasm images use: manifests and indexes (OCI and Docker), and
 * the layers of the two Wasm image layouts Istio reads (solo-io's Wasm image spec): the *compat* layout, a
 * tar(.gz) layer holding `plugin.wasm`, and the *oci* artifact layout, a raw module layer.
 * @module
 */

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index (a manifest per platform). */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list (a manifest per platform). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** The `Accept` header of a manifest request: every manifest type a Wasm image may be stored as. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(", ");

/** Docker's gzipped tar layer (compat layout, Docker flavour). */
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** OCI's gzipped tar layer (compat layout, OCI flavour). */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI's uncompressed tar layer. */
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
/** Docker's uncompressed tar layer. */
export const DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

/** The raw module layer of the Wasm artifact layout. */
export const WASM_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";
/** The config of the Wasm artifact layout. */
export const WASM_CONFIG = "application/vnd.module.wasm.config.v1+json";
/** The raw module layer of the CNCF Wasm OCI artifact (`wasm-pkg`, `oras push ... :application/wasm`). */
export const CNCF_WASM_LAYER = "application/wasm";

/** The file a compat layer holds the module in. */
export const COMPAT_MODULE_FILE = "plugin.wasm";
