/**
 * Cross-resource checks in the spirit of `istioctl analyze`: findings that do not make a resource invalid
 * but almost always mean the config will not do what its author meant. They are warnings.
 * @module
 */
import type { ConfigSet } from "./config_set.ts";
import type { Diagnostic, FieldPath } from "./diagnostics.ts";
import { describeResource, type ResourceMeta } from "./resource.ts";

/** Appends analyzer warnings for the whole config. */
export function analyzeConfig(config: ConfigSet, out: Diagnostic[]): void {
  warnUnknownGateways(config, out);
}

function warn(meta: ResourceMeta, path: FieldPath, message: string, out: Diagnostic[]): void {
  out.push({
    severity: "warning",
    file: meta.source.file,
    line: meta.source.line,
    col: meta.source.col,
    resource: describeResource(meta),
    path: path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replaceAll(".[", "["),
    message,
  });
}

/** A VirtualService naming a Gateway that is not in the config (IST0101 ReferencedResourceNotFound). */
function warnUnknownGateways(config: ConfigSet, out: Diagnostic[]): void {
  const known = new Set(config.gateways.map((g) => `${g.meta.namespace}/${g.meta.name}`));
  for (const vs of config.virtualServices) {
    const gateways = (vs.spec as { gateways?: string[] }).gateways ?? [];
    gateways.forEach((name, i) => {
      if (name === "mesh") return;
      const full = name.includes("/") ? name : `${vs.meta.namespace}/${name}`;
      if (!known.has(full)) {
        warn(vs.meta, ["spec", "gateways", i], `Referenced gateway not found: "${full}"`, out);
      }
    });
  }
}
