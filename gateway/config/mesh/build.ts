/**
 * Builds the MeshConfig: decodes and type-checks the fields one by one (a bad field keeps its default and is
 * reported), then applies Istio's defaults and resolutions.
 * @module
 */
import type { Context } from "./context.ts";
import { DEFAULT_MESH_CONFIG, DEFAULT_RETRY_ON } from "./defaults.ts";
import { normalize } from "./normalize.ts";
import { isPlainObject } from "./plain.ts";
import { extensionProvider } from "./provider_schema.ts";
import { extensionProviders } from "./providers.ts";
import { type MeshInput, meshSchema, meshShape } from "./schema.ts";
import type { HttpRetryPolicy, MeshConfig, MeshCustomTag } from "./types.ts";
import { validateMesh } from "./validate.ts";

/** Decodes, type-checks and defaults the MeshConfig fields. */
export function buildMesh(ctx: Context): MeshConfig {
  const raw = ctx.source.raw;
  if (raw === null || raw === undefined) return DEFAULT_MESH_CONFIG;
  if (!isPlainObject(raw)) {
    ctx.report("error", [], "a mesh config must be a map of MeshConfig fields");
    return DEFAULT_MESH_CONFIG;
  }
  const normalized = normalize(meshSchema, raw, [], ctx) as Record<string, unknown>;
  const input: MeshInput = {};
  // Each field on its own, so that one bad field keeps its default and the rest still applies; extension
  // providers one by one for the same reason.
  for (const [key, value] of Object.entries(normalized)) {
    if (key === "extensionProviders" && Array.isArray(value)) {
      input.extensionProviders = value.flatMap((item, i) => {
        const parsed = extensionProvider.safeParse(item, { reportInput: true });
        if (parsed.success) return [parsed.data];
        for (const issue of parsed.error.issues) ctx.reportIssue([key, i], issue);
        return [];
      });
      continue;
    }
    const schema = meshShape[key as keyof typeof meshShape];
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) (input as Record<string, unknown>)[key] = parsed.data;
    else for (const issue of parsed.error.issues) ctx.reportIssue([key], issue);
  }
  return applyDefaults(input, ctx);
}

function applyDefaults(input: MeshInput, ctx: Context): MeshConfig {
  const d = DEFAULT_MESH_CONFIG;
  const normalization = input.pathNormalization?.normalization ?? "BASE";
  const retry = defaultRetry(input, ctx);
  const pc = input.defaultConfig;
  const fccd = pc?.gatewayTopology?.forwardClientCertDetails ?? "UNDEFINED";
  const mesh: MeshConfig = {
    outboundTrafficPolicy: { mode: input.outboundTrafficPolicy?.mode ?? d.outboundTrafficPolicy.mode },
    pathNormalization: { normalization: normalization === "DEFAULT" ? "BASE" : normalization },
    defaultHttpRetryPolicy: retry,
    localityLbSetting: input.localityLbSetting ?? d.localityLbSetting,
    extensionProviders: extensionProviders(input.extensionProviders ?? [], ctx),
    defaultProviders: {
      metrics: input.defaultProviders?.metrics ?? [],
      tracing: input.defaultProviders?.tracing ?? [],
      accessLogging: input.defaultProviders?.accessLogging ?? [],
    },
    accessLogFile: input.accessLogFile ?? d.accessLogFile,
    accessLogFormat: input.accessLogFormat ?? d.accessLogFormat,
    accessLogEncoding: input.accessLogEncoding ?? d.accessLogEncoding,
    enableTracing: input.enableTracing ?? d.enableTracing,
    trustDomain: input.trustDomain ?? d.trustDomain,
    // Istio merges the aliases with the defaults' (none) and sorts them.
    trustDomainAliases: [...new Set(input.trustDomainAliases ?? [])].sort(),
    rootNamespace: input.rootNamespace ?? d.rootNamespace,
    connectTimeout: input.connectTimeout ?? d.connectTimeout,
    protocolDetectionTimeout: input.protocolDetectionTimeout ?? d.protocolDetectionTimeout,
    dnsRefreshRate: input.dnsRefreshRate ?? d.dnsRefreshRate,
    defaultServiceExportTo: input.defaultServiceExportTo ?? d.defaultServiceExportTo,
    defaultVirtualServiceExportTo: input.defaultVirtualServiceExportTo ?? d.defaultVirtualServiceExportTo,
    defaultDestinationRuleExportTo: input.defaultDestinationRuleExportTo ?? d.defaultDestinationRuleExportTo,
    ingressClass: input.ingressClass ?? d.ingressClass,
    ingressService: input.ingressService ?? d.ingressService,
    ingressControllerMode: input.ingressControllerMode ?? d.ingressControllerMode,
    ingressSelector: input.ingressSelector ?? d.ingressSelector,
    defaultConfig: {
      gatewayTopology: {
        numTrustedProxies: pc?.gatewayTopology?.numTrustedProxies ?? 0,
        forwardClientCertDetails: fccd === "UNDEFINED" ? "SANITIZE_SET" : fccd,
        proxyProtocol: pc?.gatewayTopology?.proxyProtocol !== undefined,
      },
      tracing: {
        sampling: sampling(pc?.tracing?.sampling, ctx),
        customTags: customTags(pc?.tracing?.customTags, ctx),
        maxPathTagLength: pc?.tracing?.maxPathTagLength ?? 0,
      },
      other: ctx.others.get("defaultConfig") ?? {},
    },
    other: ctx.others.get("") ?? {},
  };
  validateMesh(mesh, input, ctx);
  return mesh;
}

function defaultRetry(input: MeshInput, ctx: Context): HttpRetryPolicy {
  const p = input.defaultHttpRetryPolicy;
  if (p === undefined) return DEFAULT_MESH_CONFIG.defaultHttpRetryPolicy;
  if (p.attempts === undefined && Object.keys(p).length > 0) {
    ctx.report(
      "warning",
      ["defaultHttpRetryPolicy"],
      "attempts is not set, so it is 0 and retries are disabled mesh-wide; set attempts to keep retrying",
    );
  }
  if ((p.attempts ?? 0) < 0) {
    ctx.report("warning", ["defaultHttpRetryPolicy", "attempts"], "negative attempts disable retries");
  }
  return {
    attempts: Math.max(0, p.attempts ?? 0),
    // An empty retryOn keeps the default conditions (retry.go ConvertPolicy).
    retryOn: p.retryOn ? p.retryOn : DEFAULT_RETRY_ON,
    ...(p.perTryTimeout !== undefined ? { perTryTimeout: p.perTryTimeout } : {}),
    ...(p.retryRemoteLocalities !== undefined ? { retryRemoteLocalities: p.retryRemoteLocalities } : {}),
    ...(p.retryIgnorePreviousHosts !== undefined
      ? { retryIgnorePreviousHosts: p.retryIgnorePreviousHosts }
      : {}),
    ...(p.backoff !== undefined ? { backoff: p.backoff } : {}),
  };
}

function sampling(value: number | undefined, ctx: Context): number {
  // proto3: 0 is "unset", so PILOT_TRACE_SAMPLING (1%) applies; above 100 Istio falls back to 1%.
  if (value === undefined || value === 0) return 1;
  const at = ["defaultConfig", "tracing", "sampling"];
  if (value > 100) {
    ctx.report("warning", at, `sampling ${value} is above 100; Istio uses 1 instead`);
    return 1;
  }
  if (value < 0) {
    ctx.report("error", at, `sampling ${value} must be between 0 and 100`);
    return 1;
  }
  return value;
}

/** The custom tags that set exactly one kind of value; the others are reported and left out. */
function customTags(
  tags: Readonly<Record<string, MeshCustomTag>> | undefined,
  ctx: Context,
): Record<string, MeshCustomTag> {
  const out: Record<string, MeshCustomTag> = {};
  for (const [name, tag] of Object.entries(tags ?? {})) {
    const at = ["defaultConfig", "tracing", "customTags", name];
    const kinds = (["literal", "environment", "header"] as const).filter((k) => tag[k] !== undefined);
    if (kinds.length !== 1) {
      // A oneof: protobuf JSON refuses two members; an empty tag is skipped by istiod.
      if (kinds.length > 1) {
        ctx.report(
          "error",
          at,
          `a custom tag sets one of literal, environment, header; found ${kinds.join(", ")}`,
        );
      } else {ctx.report(
          "warning",
          at,
          "a custom tag sets none of literal, environment, header; it is ignored",
        );}
      continue;
    }
    const kind = kinds[0];
    if (kind !== "literal" && !tag[kind]?.name) {
      ctx.report("warning", at, `${kind} tag name may not be empty; the tag is ignored`);
      continue;
    }
    out[name] = { [kind]: tag[kind] };
  }
  return out;
}
