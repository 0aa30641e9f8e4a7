/**
 * Resolves this gateway's tracing as istiod does (`Telemetries.Tracing` and `configureTracingFromTelemetry`
 * for a gateway, i.e. the CLIENT-mode spec): MeshConfig `defaultProviders.tracing` first, then each applicable
 * Telemetry `tracing[]` entry in override order (root namespace, gateway namespace, workload), each setting the
 * provider (its first one), span reporting, custom tags, sampling and the other switches it states.
 *
 * Tracing is off when nothing configures a provider (istiod's fallback to the legacy proxy tracer, which
 * Portcullis does not have), when the provider is unknown, not a tracer, or `disableSpanReporting` is set, and
 * when the provider's service is not in the service registry (istiod's `LookupCluster`).
 * @module
 */
import type { GatewayIdentity } from "../../compile/listeners.ts";
import type { ConfigSet } from "../../config/config_set.ts";
import { parseDuration } from "../../config/duration.ts";
import { resolveShortName } from "../../config/hosts.ts";
import type { CustomTag, Tracing } from "../../config/kinds/telemetry/telemetry.ts";
import type {
  ExtensionProvider,
  MeshConfig,
  MeshCustomTag,
  OpenTelemetryProvider,
  ProviderHeader,
  ZipkinProvider,
} from "../../config/mesh/mod.ts";
import { findProvider } from "../resolve/access_log_sinks.ts";
import { applicableTelemetry } from "../resolve/applicable.ts";
import type { CustomTagSpec, SpanExportTarget, TracingResolution, TracingSettings } from "./settings.ts";

/** Envoy's default longest path in the `http.url` tag. */
const DEFAULT_MAX_PATH_TAG_LENGTH = 256;
/** The export timeout when the provider sets none (istiod's Zipkin default). */
const DEFAULT_EXPORT_TIMEOUT_MS = 5000;
/** The OTLP/HTTP traces path, used when the provider's `http.path` is empty. */
const OTLP_TRACES_PATH = "/v1/traces";
/** The Zipkin v2 spans path (istiod's default). */
const ZIPKIN_SPANS_PATH = "/api/v2/spans";

/** The merged CLIENT-mode spec (istiod's `TracingSpec`). */
interface Spec {
  provider?: ExtensionProvider;
  /** The provider name asked for when it was not found. */
  missing?: string;
  disabled: boolean;
  customTags?: Readonly<Record<string, CustomTag>>;
  sampling?: number;
  useRequestIdForTraceSampling: boolean;
  enableIstioTags: boolean;
  disableContextPropagation: boolean;
}

/**
 * Whether a Telemetry resource applying to the gateway `identity` or MeshConfig's default providers ask for
 * tracing; when not, tracing is off with nothing to warn about.
 */
export function tracingRequested(config: ConfigSet, mesh: MeshConfig, identity: GatewayIdentity): boolean {
  return mesh.defaultProviders.tracing.length > 0 ||
    applicableTelemetry(config, identity, mesh.rootNamespace).tracing.length > 0;
}

/** The tracing settings of the gateway `identity`; `env` reads provider header values from the environment. */
export function resolveTracing(
  config: ConfigSet,
  mesh: MeshConfig,
  identity: GatewayIdentity,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): TracingResolution {
  if (!tracingRequested(config, mesh, identity)) return { warnings: [] };
  const entries = applicableTelemetry(config, identity, mesh.rootNamespace).tracing;
  const defaults = mesh.defaultProviders.tracing;
  const spec = mergeSpec(entries, defaults, mesh);
  const warnings: string[] = [];
  if (!spec.provider) {
    if (spec.missing !== undefined) {
      warnings.push(`tracing provider "${spec.missing}" is not defined in meshConfig.extensionProviders`);
    }
    return { warnings };
  }
  if (spec.disabled) return { warnings };
  const provider = spec.provider;
  if (provider.type !== "opentelemetry" && provider.type !== "zipkin") {
    warnings.push(
      `tracing provider "${provider.name}" (${provider.type}) is not supported; only opentelemetry and zipkin ` +
        "are; tracing is off",
    );
    return { warnings };
  }
  const body: OpenTelemetryProvider | ZipkinProvider = provider.type === "opentelemetry"
    ? provider.opentelemetry
    : provider.zipkin;
  const host = lookupService(config, body.service ?? "");
  if ("error" in host) {
    warnings.push(
      `tracing provider "${provider.name}": ${host.error} (declare it with a ServiceEntry); tracing is off, ` +
        "as in Istio",
    );
    return { warnings };
  }
  const port = body.port ?? 0;
  const target = provider.type === "opentelemetry"
    ? otlpTarget(provider.name, provider.opentelemetry, host.host, port, env, warnings)
    : zipkinTarget(provider.zipkin, host.host, port, env);
  const settings: TracingSettings = {
    provider: provider.name,
    providerType: provider.type,
    propagation: provider.type === "opentelemetry"
      ? "w3c"
      : provider.zipkin.traceContextOption === "USE_B3_WITH_W3C_PROPAGATION"
      ? "b3+w3c"
      : "b3",
    samplingPercent: spec.sampling ?? mesh.defaultConfig.tracing.sampling,
    useRequestIdForTraceSampling: spec.useRequestIdForTraceSampling,
    enableIstioTags: spec.enableIstioTags,
    propagate: !spec.disableContextPropagation,
    customTags: customTagSpecs(spec.customTags, mesh.defaultConfig.tracing.customTags, warnings),
    maxPathTagLength: body.maxTagLength || mesh.defaultConfig.tracing.maxPathTagLength ||
      DEFAULT_MAX_PATH_TAG_LENGTH,
    environmentResource: provider.type === "opentelemetry" &&
      provider.opentelemetry.resourceDetectors?.environment !== undefined,
    ...(target ? { export: target } : {}),
  };
  return { settings, warnings };
}

function mergeSpec(entries: readonly Tracing[], defaults: readonly string[], mesh: MeshConfig): Spec {
  const spec: Spec = {
    disabled: false,
    useRequestIdForTraceSampling: true,
    enableIstioTags: true,
    disableContextPropagation: false,
  };
  const fetch = (name: string) => {
    spec.provider = findProvider(mesh, name);
    spec.missing = spec.provider ? undefined : name;
  };
  if (defaults.length > 0) fetch(defaults[0]);
  for (const t of entries) {
    // A gateway uses the CLIENT spec: entries for SERVER only do not apply.
    if (t.match?.mode === "SERVER") continue;
    const names = (t.providers ?? []).map((p) => p.name);
    if (names.length > 0) fetch(names[0]);
    if (t.disableSpanReporting != null) spec.disabled = t.disableSpanReporting;
    if (t.customTags !== undefined) spec.customTags = t.customTags;
    if (t.randomSamplingPercentage != null) spec.sampling = t.randomSamplingPercentage;
    if (t.useRequestIdForTraceSampling != null) {
      spec.useRequestIdForTraceSampling = t.useRequestIdForTraceSampling;
    }
    if (t.enableIstioTags != null) spec.enableIstioTags = t.enableIstioTags;
    if (t.disableContextPropagation != null) spec.disableContextPropagation = t.disableContextPropagation;
  }
  return spec;
}

/**
 * istiod's `LookupCluster`: `namespace/host` names the service of that namespace; a bare host must be declared
 * in exactly one namespace.
 */
export function lookupService(config: ConfigSet, service: string): { host: string } | { error: string } {
  if (service === "") return { error: "service must not be empty" };
  const parts = service.split("/");
  const [namespace, name] = parts.length === 2 ? parts : [undefined, service];
  const namespaces = new Set<string>();
  for (const se of config.serviceEntries) {
    if (namespace !== undefined && se.meta.namespace !== namespace) continue;
    if ((se.spec.hosts ?? []).some((h) => resolveShortName(h, se.meta.namespace) === name)) {
      namespaces.add(se.meta.namespace);
    }
  }
  if (namespaces.size === 1) return { host: name };
  if (namespaces.size > 1) {
    return {
      error: `found ${name} in multiple namespaces [${[...namespaces].sort().join(" ")}], specify the ` +
        "namespace explicitly in the format of <Namespace>/<Hostname>",
    };
  }
  return { error: `could not find service ${service} in Istio service registry` };
}

function otlpTarget(
  name: string,
  p: OpenTelemetryProvider,
  host: string,
  port: number,
  env: (name: string) => string | undefined,
  warnings: string[],
): SpanExportTarget | undefined {
  if (p.dynatraceSampler !== undefined) {
    warnings.push(
      `tracing provider "${name}": dynatraceSampler is not supported; the sampling percentage applies`,
    );
  }
  if (p.http === undefined) {
    warnings.push(
      `tracing provider "${name}" exports over OTLP/gRPC, which Portcullis does not send; spans are made and ` +
        "propagated but not exported (set `http` to export over OTLP/HTTP)",
    );
    return undefined;
  }
  return {
    format: "otlp",
    cluster: `outbound|${port}||${host}`,
    authority: host,
    path: withSlash(p.http.path || OTLP_TRACES_PATH),
    timeoutMs: timeoutMs(p.http.timeout),
    headers: providerHeaders(p.http.headers, env),
  };
}

function zipkinTarget(
  p: ZipkinProvider,
  host: string,
  port: number,
  env: (name: string) => string | undefined,
): SpanExportTarget {
  return {
    format: "zipkin",
    cluster: `outbound|${port}||${host}`,
    authority: host,
    path: withSlash(p.path || ZIPKIN_SPANS_PATH),
    timeoutMs: timeoutMs(p.timeout),
    headers: providerHeaders(p.headers, env),
  };
}

function withSlash(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

function timeoutMs(duration: string | undefined): number {
  const ms = duration === undefined ? undefined : parseDuration(duration);
  return ms !== undefined && ms > 0 ? ms : DEFAULT_EXPORT_TIMEOUT_MS;
}

function providerHeaders(
  headers: readonly ProviderHeader[] | undefined,
  env: (name: string) => string | undefined,
): [string, string][] {
  return (headers ?? []).filter((h) => h.name).map((h) => [
    h.name!.toLowerCase(),
    h.envName ? env(h.envName) ?? "" : h.value ?? "",
  ]);
}

/**
 * The custom tags: the Telemetry ones, or MeshConfig's when Telemetry sets none (istiod's
 * `configureCustomTags`), sorted by name.
 */
function customTagSpecs(
  telemetry: Readonly<Record<string, CustomTag>> | undefined,
  mesh: Readonly<Record<string, MeshCustomTag>>,
  warnings: string[],
): CustomTagSpec[] {
  const source: Readonly<Record<string, CustomTag | MeshCustomTag>> =
    telemetry && Object.keys(telemetry).length > 0 ? telemetry : mesh;
  const out: CustomTagSpec[] = [];
  for (const [name, tag] of Object.entries(source)) {
    if ("formatter" in tag && tag.formatter) {
      out.push({ name, kind: "formatter", format: tag.formatter.value });
    } else if (tag.literal) out.push({ name, kind: "literal", value: tag.literal.value ?? "" });
    else if (tag.environment) {
      out.push({
        name,
        kind: "environment",
        from: tag.environment.name ?? "",
        defaultValue: tag.environment.defaultValue ?? "",
      });
    } else if (tag.header) {
      out.push({
        name,
        kind: "header",
        from: (tag.header.name ?? "").toLowerCase(),
        defaultValue: tag.header.defaultValue ?? "",
      });
    } else warnings.push(`tracing custom tag "${name}" sets no value; it is ignored`);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
