/**
 * The ext_authz provider of CUSTOM policies, as istiod builds Envoy's HTTP ext_authz filter from a MeshConfig
 * `envoyExtAuthzHttp` entry: the service resolved to `outbound|<port>||<host>` (`<host>` alone when one
 * service has it, or `<namespace>/<host>`), header lists as case-insensitive exact/prefix/suffix name matchers,
 * 600s timeout and status 403 on error by default. Any problem makes the provider unusable, which istiod
 * answers by denying what the CUSTOM policies match.
 * @module
 */
import { parseDuration } from "../../config/duration.ts";
import type { EnvoyExtAuthzHttpProvider, MeshConfig } from "../../config/mesh/mod.ts";
import { clusterName } from "../clusters.ts";
import type { ServiceRegistry } from "../services.ts";
import type { CompiledExtAuthz, HeaderNameTest } from "./types.ts";

const DEFAULT_TIMEOUT_MS = 600_000;

/** The provider named `name`, resolved, or why it cannot be used. */
export function compileExtAuthzProvider(
  name: string,
  mesh: MeshConfig,
  services: ServiceRegistry,
): CompiledExtAuthz | { readonly error: string } {
  const provider = mesh.extensionProviders.find((p) => p.name === name);
  if (!provider) {
    const available = mesh.extensionProviders.map((p) => p.name);
    return { error: `available providers are [${available.join(" ")}] but found "${name}"` };
  }
  if (provider.type === "envoyExtAuthzGrpc") {
    return { error: `provider ${name}: envoyExtAuthzGrpc is not supported by this gateway` };
  }
  if (provider.type !== "envoyExtAuthzHttp") {
    return { error: `provider ${name} is not an ext_authz provider` };
  }
  return compileHttp(name, provider.envoyExtAuthzHttp, services);
}

function compileHttp(
  name: string,
  p: EnvoyExtAuthzHttpProvider,
  services: ServiceRegistry,
): CompiledExtAuthz | { readonly error: string } {
  const errors: string[] = [];
  const port = p.port ?? 0;
  if (!(port >= 1 && port <= 65535)) errors.push(`port must be in the range [1, 65535], found: ${port}`);
  const host = lookupHost(p.service ?? "", services);
  if (typeof host !== "string") errors.push(host.error);
  const status = p.statusOnError ? Number(p.statusOnError) : 403;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    errors.push(`invalid statusOnError "${p.statusOnError}"`);
  }
  const prefix = p.pathPrefix ?? "";
  if (prefix !== "" && !prefix.startsWith("/")) {
    errors.push(`pathPrefix must begin with \`/\`, found: "${prefix}"`);
  }
  const timeoutMs = p.timeout !== undefined ? parseDuration(p.timeout) : DEFAULT_TIMEOUT_MS;
  if (timeoutMs === undefined) errors.push(`invalid timeout "${p.timeout}"`);
  const lists = {
    IncludeRequestHeadersInCheck: p.includeRequestHeadersInCheck,
    IncludeHeadersInCheck: p.includeHeadersInCheck,
    HeadersToDownstreamOnDeny: p.headersToDownstreamOnDeny,
    HeadersToDownstreamOnAllow: p.headersToDownstreamOnAllow,
    HeadersToUpstreamOnAllow: p.headersToUpstreamOnAllow,
  };
  for (const [field, values] of Object.entries(lists)) {
    if (values?.includes("*")) {
      errors.push(
        `a single wildcard ("*") is not supported, change it to either prefix or suffix match: ${field}`,
      );
    }
  }
  if (errors.length > 0 || typeof host !== "string") {
    return { error: `failed to parse extension provider "${name}": ${errors.join("; ")}` };
  }
  // `includeHeadersInCheck` is the deprecated name, used only when the new one is unset.
  const requestHeaders = p.includeRequestHeadersInCheck?.length
    ? p.includeRequestHeadersInCheck
    : p.includeHeadersInCheck;
  const body = p.includeRequestBodyInCheck;
  return {
    name,
    cluster: clusterName(port, undefined, host),
    pathPrefix: prefix,
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
    failOpen: p.failOpen === true,
    statusOnError: status,
    requestHeaders: headerNames(requestHeaders),
    additionalHeaders: Object.entries(p.includeAdditionalHeadersInCheck ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k.toLowerCase(), v] as const),
    upstreamOnAllow: headerNames(p.headersToUpstreamOnAllow),
    // With a list, Envoy adds `www-authenticate` and `location` to it; without, every header but `host` goes.
    downstreamOnDeny: p.headersToDownstreamOnDeny?.length
      ? headerNames([...p.headersToDownstreamOnDeny, "www-authenticate", "location"])
      : undefined,
    downstreamOnAllow: headerNames(p.headersToDownstreamOnAllow),
    body: body
      ? { maxBytes: body.maxRequestBytes ?? 0, allowPartial: body.allowPartialMessage === true }
      : undefined,
  };
}

/** istiod's `LookupCluster`: `<namespace>/<host>`, or `<host>` when exactly one service has that host. */
function lookupHost(service: string, services: ServiceRegistry): string | { error: string } {
  if (service === "") return { error: "service must not be empty" };
  const parts = service.split("/");
  const svc = parts.length === 2 ? services.get(parts[1]) : services.get(service);
  if (svc && (parts.length !== 2 || svc.namespace === parts[0])) return svc.host;
  return { error: `could not find service ${service} in Istio service registry` };
}

/** Header-name patterns (`x-a`, `x-*`, `*-id`) compared case-insensitively; none: matches nothing. */
function headerNames(patterns: readonly string[] | undefined): HeaderNameTest {
  if (!patterns || patterns.length === 0) return () => false;
  const tests = patterns.map((raw): HeaderNameTest => {
    const p = raw.toLowerCase();
    if (p.startsWith("*")) return (n) => n.endsWith(p.slice(1));
    if (p.endsWith("*")) return (n) => n.startsWith(p.slice(0, -1));
    return (n) => n === p;
  });
  return (name) => tests.some((t) => t(name));
}
