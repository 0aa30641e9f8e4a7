/**
 * MeshConfig `extensionProviders`: turns the decoded entries into {@link ExtensionProvider}s after Istio's
 * built-in ones (a later entry replaces an earlier one of the same name) and makes istiod's checks
 * (`pkg/config/validation/agent/extensionprovider.go`), as warnings since istiod only logs them.
 * @module
 */
import { KNOWN_HTTP_STATUS_CODES } from "../kinds/networking/http_policy_rules.ts";
import type { FieldPath } from "../diagnostics.ts";
import type { Context } from "./context.ts";
import { BUILTIN_PROVIDERS } from "./defaults.ts";
import { providerServiceError } from "./provider_service.ts";
import { OTHER_PROVIDERS, type ProviderInput, TYPED_PROVIDERS } from "./provider_schema.ts";
import type { ExtensionProvider, OtherProviderType } from "./provider_types.ts";

/** The built-in providers followed by the valid entries of `list`; problems are reported to `ctx`. */
export function extensionProviders(list: ProviderInput[], ctx: Context): ExtensionProvider[] {
  const result: ExtensionProvider[] = [...BUILTIN_PROVIDERS];
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    const at = ["extensionProviders", i];
    const types = [...TYPED_PROVIDERS, ...OTHER_PROVIDERS].filter((t) => p[t] !== undefined);
    if (types.length > 1) {
      ctx.report("error", at, `an extension provider sets exactly one provider; found ${types.join(", ")}`);
      return;
    }
    const name = p.name ?? "";
    if (name === "") {
      ctx.report(
        "warning",
        [...at, "name"],
        "empty extension provider name: the provider cannot be referenced",
      );
    } else if (seen.has(name)) {
      ctx.report(
        "warning",
        [...at, "name"],
        `duplicate extension provider name ${name}: it replaces extensionProviders[${
          seen.get(name)
        }] (as Istio does)`,
      );
    }
    seen.set(name, i);
    if (types.length === 0) {
      ctx.report("warning", at, `invalid extension provider ${name}: no provider type is set`);
      return;
    }
    const type = types[0];
    const provider = toProvider(name, type, p);
    validateProvider(provider, at, ctx);
    if (name === "") return;
    const existing = result.findIndex((e) => e.name === name);
    if (existing >= 0) result[existing] = provider;
    else result.push(provider);
  });
  return result;
}

function toProvider(
  name: string,
  type: (typeof TYPED_PROVIDERS)[number] | OtherProviderType,
  p: ProviderInput,
): ExtensionProvider {
  switch (type) {
    case "envoyExtAuthzHttp":
      return { name, type, envoyExtAuthzHttp: p.envoyExtAuthzHttp! };
    case "envoyExtAuthzGrpc":
      return { name, type, envoyExtAuthzGrpc: p.envoyExtAuthzGrpc! };
    case "zipkin":
      return { name, type, zipkin: p.zipkin! };
    case "opentelemetry":
      return { name, type, opentelemetry: p.opentelemetry! };
    case "envoyFileAccessLog":
      return { name, type, envoyFileAccessLog: p.envoyFileAccessLog! };
    default:
      return { name, type, config: p[type] ?? {} } satisfies ExtensionProvider;
  }
}

/** The checks of istio/istio `pkg/config/validation/agent/extensionprovider.go`; istiod only logs them. */
function validateProvider(p: ExtensionProvider, at: FieldPath, ctx: Context): void {
  const body = "config" in p ? p.config : (p as unknown as Record<string, Record<string, unknown>>)[p.type];
  const where = [...at, p.type];
  const warn = (field: string | undefined, message: string) =>
    ctx.report(
      "warning",
      field ? [...where, field] : where,
      `invalid extension provider ${p.name}: ${message}`,
    );
  const checkServicePort = () => {
    const service = typeof body.service === "string" ? body.service : "";
    const serviceError = providerServiceError(service);
    if (serviceError) warn("service", serviceError);
    const port = typeof body.port === "number" ? body.port : 0;
    if (!(port >= 1 && port <= 65535)) warn("port", `port number ${port} must be in the range 1..65535`);
  };
  switch (p.type) {
    case "prometheus":
    case "stackdriver":
    case "envoyFileAccessLog":
      return;
    case "sds":
      warn(undefined, "unsupported provider: sds");
      return;
    case "lightstep":
      checkServicePort();
      if (!body.accessToken) warn("accessToken", "access token is required");
      return;
    case "envoyExtAuthzHttp":
    case "envoyExtAuthzGrpc": {
      checkServicePort();
      const status = body.statusOnError;
      if (typeof status === "string" && status !== "") {
        if (!/^[+-]?\d+$/.test(status)) warn("statusOnError", `invalid statusOnError value ${status}`);
        else if (!ENVOY_STATUS_CODES.has(Number(status))) {
          warn("statusOnError", `unsupported statusOnError value ${status}`);
        }
      }
      const prefix = body.pathPrefix;
      if (typeof prefix === "string" && prefix !== "" && !prefix.startsWith("/")) {
        warn("pathPrefix", `pathPrefix should begin with \`/\` but found ${JSON.stringify(prefix)}`);
      }
      return;
    }
    case "opentelemetry":
      checkServicePort();
      if (body.grpc !== undefined && body.http !== undefined) {
        warn(undefined, "OpenTelemetryTracingProvider cannot specify both grpc and http");
      }
      return;
    default:
      checkServicePort();
  }
}

/** Codes Go's `StatusText` knows and Envoy's `StatusCode` enum lacks. */
const NOT_IN_ENVOY_ENUM: ReadonlySet<number> = new Set([101, 102, 103, 418, 425, 451]);

/**
 * Envoy `type.v3.StatusCode` values (statusOnError must be one of them): Go's `StatusText` list, which istiod
 * checks `retryOn` against, plus 0 and minus the codes Envoy's enum lacks.
 */
const ENVOY_STATUS_CODES: ReadonlySet<number> = new Set([
  0,
  ...[...KNOWN_HTTP_STATUS_CODES].filter((code) => !NOT_IN_ENVOY_ENUM.has(code)),
]);
