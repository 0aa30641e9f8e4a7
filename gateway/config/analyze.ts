/**
 * Cross-resource checks in the spirit of `istioctl analyze`: findings that do not make a resource invalid
 * but almost always mean the config will not do what its author meant. They are warnings.
 * @module
 */
import type { ConfigSet } from "./config_set.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { resourceDiagnostic } from "./resource.ts";

/** Appends analyzer warnings for the whole config. */
export function analyzeConfig(config: ConfigSet, out: Diagnostic[]): void {
  warnUnknownGateways(config, out);
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
        out.push(
          resourceDiagnostic(
            vs.meta,
            "warning",
            `spec.gateways[${i}]`,
            `Referenced gateway not found: "${full}"`,
          ),
        );
      }
    });
  }
}
