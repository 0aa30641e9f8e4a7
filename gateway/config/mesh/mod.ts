/**
 * MeshConfig: the mesh-wide settings a gateway needs (istio/api `mesh/v1alpha1/config.proto`), read from the file
 * given by `--mesh FILE` and merged over Istio's defaults (istio/istio `pkg/config/mesh/mesh.go`).
 *
 * The file may hold:
 * - a plain YAML map of MeshConfig fields (what the `mesh` key of Istio's `istio` ConfigMap contains);
 * - a Kubernetes ConfigMap whose `data.mesh` is that YAML as a string (`kubectl get cm istio -o yaml`);
 * - an IstioOperator (or a bare `spec:` fragment of one) with `spec.meshConfig`, or Helm values with `meshConfig:`.
 *
 * Like Istio (protobuf JSON decoding), fields may be written in lowerCamelCase or in the proto's snake_case, `null`
 * means "unset", enums may be given by name or number, and unknown fields are ignored. Portcullis reports them:
 * MeshConfig fields it does not use get a note, fields unknown to MeshConfig a warning, type errors an error.
 * Problems in `extensionProviders` bodies are warnings, because istiod only logs them ("can be ignored if the given
 * extension provider is not used").
 * @module
 */
export { DEFAULT_MESH_CONFIG, DEFAULT_RETRY_ON } from "./defaults.ts";
export { loadMeshConfigFile, parseMeshConfig } from "./parse.ts";
export type {
  EnvoyExtAuthzGrpcProvider,
  EnvoyExtAuthzHttpProvider,
  EnvoyFileAccessLogProvider,
  ExtAuthzRequestBody,
  ExtensionProvider,
  OpenTelemetryProvider,
  OtherProviderType,
  ProviderHeader,
  ZipkinProvider,
} from "./provider_types.ts";
export type {
  ForwardClientCertDetails,
  HttpRetryPolicy,
  LocalityLbSetting,
  MeshConfig,
  MeshCustomTag,
  OutboundTrafficMode,
  PathNormalization,
  ProxyConfig,
} from "./types.ts";
