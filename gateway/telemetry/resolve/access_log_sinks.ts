/**
 * The access logs of the gateway (Istio's `AccessLogging` + `setHTTPAccessLog`): the providers the Telemetry
 * merge keeps, each turned into a file log (`envoyFileAccessLog`), or, when Telemetry configures nothing,
 * MeshConfig's `accessLogFile` with `accessLogEncoding` and `accessLogFormat`.
 * @module
 */
import type { AccessLogging } from "../../config/kinds/telemetry/telemetry.ts";
import type { EnvoyFileAccessLogProvider, ExtensionProvider, MeshConfig } from "../../config/mesh/mod.ts";
import {
  ENVOY_DEFAULT_TEXT_FORMAT,
  ISTIO_DEFAULT_JSON_LABELS,
  ISTIO_DEFAULT_TEXT_FORMAT,
} from "../access_log/default_formats.ts";
import { mergeLogs } from "./merge_logs.ts";
import type { AccessLogSink, LogFormat } from "./settings.ts";

const BUILTIN_ENVOY_PROVIDER = "envoy";

/** Resolves the access-log sinks; problems that make a provider unusable are added to `warnings`. */
export function accessLogSinks(
  levels: readonly (readonly AccessLogging[])[],
  mesh: MeshConfig,
  warnings: string[],
): AccessLogSink[] {
  const defaults = mesh.defaultProviders.accessLogging;
  if (levels.length === 0 && defaults.length === 0) return meshAccessLog(mesh, warnings);
  const merged = [...mergeLogs(levels, defaults)];
  const configs: { sink?: AccessLogSink; provider: string }[] = [];
  for (const [name, logging] of merged) {
    const provider = findProvider(mesh, name);
    if (!provider) {
      warnings.push(`access log provider "${name}" is not defined in meshConfig.extensionProviders`);
      continue;
    }
    if (NOT_A_LOG_PROVIDER.has(provider.type)) continue;
    if (provider.type !== "envoyFileAccessLog") {
      // Istio configures it (so MeshConfig's accessLogFile is not used); Portcullis cannot send to it.
      if (!logging.disabled) {
        warnings.push(
          `access log provider "${provider.name}" (${provider.type}) is not supported; it is ignored`,
        );
      }
      configs.push({ provider: provider.name });
      continue;
    }
    if (logging.disabled) {
      configs.push({ provider: provider.name });
      continue;
    }
    const sink = fileSink(provider.name, provider.envoyFileAccessLog, mesh, warnings);
    configs.push({
      provider: provider.name,
      sink: logging.filter ? { ...sink, filter: logging.filter } : sink,
    });
  }
  // Disabled providers still count as configured: only an empty list falls back to MeshConfig.
  if (configs.length === 0) return meshAccessLog(mesh, warnings);
  configs.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));
  return configs.flatMap((c) => (c.sink ? [c.sink] : []));
}

/** Provider types that never produce access logs (Istio returns no logger for them, silently). */
const NOT_A_LOG_PROVIDER = new Set<string>([
  "envoyExtAuthzHttp",
  "envoyExtAuthzGrpc",
  "zipkin",
  "lightstep",
  "datadog",
  "skywalking",
  "opencensus",
  "opentelemetry",
  "prometheus",
  "sds",
  "stackdriver",
]);

/** The provider named `name` (compared case-insensitively, as Istio's `fetchProvider`). */
export function findProvider(mesh: MeshConfig, name: string): ExtensionProvider | undefined {
  const lower = name.toLowerCase();
  return mesh.extensionProviders.find((p) => p.name.toLowerCase() === lower);
}

function fileSink(
  name: string,
  p: EnvoyFileAccessLogProvider,
  mesh: MeshConfig,
  warnings: string[],
): AccessLogSink {
  const path = p.path || "/dev/stdout";
  // The built-in `envoy` provider without its own format follows MeshConfig's encoding and format.
  if (name === BUILTIN_ENVOY_PROVIDER && p.logFormat === undefined && !p.omitEmptyValues) {
    return { provider: name, path, format: meshFormat(mesh, warnings), omitEmptyValues: false };
  }
  const omitEmptyValues = p.omitEmptyValues ?? false;
  const labels = p.logFormat?.labels;
  if (p.logFormat !== undefined && p.logFormat.text === undefined && labels === undefined) {
    // A log format with neither field leaves Envoy's own default in place.
    return {
      provider: name,
      path,
      format: { type: "text", text: ENVOY_DEFAULT_TEXT_FORMAT },
      omitEmptyValues,
    };
  }
  if (p.logFormat?.text === undefined && labels !== undefined) {
    const format: LogFormat = {
      type: "json",
      labels: Object.keys(labels).length > 0 ? labels : ISTIO_DEFAULT_JSON_LABELS,
    };
    return { provider: name, path, format, omitEmptyValues };
  }
  return { provider: name, path, format: textFormat(p.logFormat?.text ?? ""), omitEmptyValues };
}

function meshAccessLog(mesh: MeshConfig, warnings: string[]): AccessLogSink[] {
  if (mesh.accessLogFile === "") return [];
  return [{
    provider: "",
    path: mesh.accessLogFile,
    format: meshFormat(mesh, warnings),
    omitEmptyValues: false,
  }];
}

/** MeshConfig's format: `accessLogFormat` (or Istio's default) as text, or parsed as a JSON object. */
function meshFormat(mesh: MeshConfig, warnings: string[]): LogFormat {
  if (mesh.accessLogEncoding === "TEXT") return textFormat(mesh.accessLogFormat);
  if (mesh.accessLogFormat === "") return { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS };
  try {
    const parsed: unknown = JSON.parse(mesh.accessLogFormat);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return { type: "json", labels: parsed as Record<string, unknown> };
    }
  } catch {
    // reported below
  }
  warnings.push("meshConfig.accessLogFormat is not a JSON object; the default JSON format is used");
  return { type: "json", labels: ISTIO_DEFAULT_JSON_LABELS };
}

/** A text format; Istio appends a newline when the format lacks one, and uses its default when empty. */
function textFormat(text: string): LogFormat {
  if (text === "") return { type: "text", text: ISTIO_DEFAULT_TEXT_FORMAT };
  return { type: "text", text: text.endsWith("\n") ? text : `${text}\n` };
}
