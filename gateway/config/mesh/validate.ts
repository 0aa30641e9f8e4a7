/**
 * istiod's `ValidateMeshConfig` checks on the MeshConfig fields Portcullis reads: timeouts, trust domains,
 * default providers and the locality load-balancing default.
 * @module
 */
import { parseDuration } from "../duration.ts";
import { isDns1123Label } from "../kinds/host_rules.ts";
import { validateLocalityLbSetting } from "../kinds/networking/destination_rule_lb_rules.ts";
import type { Context } from "./context.ts";
import type { MeshInput } from "./schema.ts";
import type { MeshConfig } from "./types.ts";

/** ValidateMeshConfig's checks on the fields Portcullis reads. */
export function validateMesh(mesh: MeshConfig, input: MeshInput, ctx: Context): void {
  if (input.connectTimeout !== undefined) {
    const ms = parseDuration(input.connectTimeout) ?? 0;
    if (ms < 1) {
      ctx.report("error", ["connectTimeout"], "invalid connect timeout: duration must be greater than 1ms");
    } else if (!Number.isInteger(ms)) {
      ctx.report(
        "error",
        ["connectTimeout"],
        "invalid connect timeout: only durations to ms precision are supported",
      );
    } else if (ms > 3_600_000) {
      ctx.report(
        "error",
        ["connectTimeout"],
        `invalid connect timeout: time ${input.connectTimeout} must be >1ms and <1h0m0s`,
      );
    }
  }
  if (input.protocolDetectionTimeout !== undefined) {
    const ms = parseDuration(input.protocolDetectionTimeout) ?? 0;
    if (!Number.isInteger(ms)) {
      ctx.report(
        "error",
        ["protocolDetectionTimeout"],
        "invalid protocol detection timeout: only durations to ms precision are supported",
      );
    }
  }
  const trustDomainError = validateTrustDomain(mesh.trustDomain);
  if (trustDomainError) ctx.report("error", ["trustDomain"], `trustDomain: ${trustDomainError}`);
  (input.trustDomainAliases ?? []).forEach((alias, i) => {
    const err = validateTrustDomain(alias);
    if (err) {
      ctx.report(
        "error",
        ["trustDomainAliases", i],
        `trustDomainAliases[${i}], domain \`${alias}\` : ${err}`,
      );
    }
  });
  // istiod checks it as a DestinationRule's, with outlier detection taken as present.
  validateLocalityLbSetting(input.localityLbSetting, {}, ["localityLbSetting"], {
    report: (path, message, severity = "error") => ctx.report(severity, path, message),
  });
  const names = new Set(mesh.extensionProviders.map((p) => p.name));
  for (const kind of ["metrics", "tracing", "accessLogging"] as const) {
    mesh.defaultProviders[kind].forEach((name, i) => {
      if (!names.has(name)) {
        ctx.report(
          "warning",
          ["defaultProviders", kind, i],
          `default ${kind} provider ${JSON.stringify(name)} is not defined in extensionProviders`,
        );
      }
    });
  }
}

/** istiod's `ValidateTrustDomain`: DNS-1123 labels, a trailing dot allowed; undefined when valid. */
function validateTrustDomain(domain: string): string | undefined {
  if (domain === "") return "empty domain name not allowed";
  const parts = domain.split(".");
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (!isDns1123Label(parts[i])) return `trust domain name ${JSON.stringify(domain)} invalid`;
  }
  return undefined;
}
