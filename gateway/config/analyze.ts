/**
 * Cross-resource checks in the spirit of `istioctl analyze`: findings that do not make a resource invalid
 * but almost always mean the config will not do what its author meant. They are warnings.
 * @module
 */
import { hostMatches, resolveShortName } from "./hosts.ts";
import type { ConfigSet } from "./config_set.ts";
import type { Diagnostic } from "./diagnostics.ts";
import type { Destination, VirtualServiceSpec } from "./kinds/networking/virtual_service.ts";
import { type Resource, resourceDiagnostic } from "./resource.ts";

/** Appends analyzer warnings for the whole config. */
export function analyzeConfig(config: ConfigSet, out: Diagnostic[]): void {
  const gateways = new Map(config.gateways.map((g) => [`${g.meta.namespace}/${g.meta.name}`, g]));
  for (const vs of config.virtualServices) {
    checkGatewayReferences(vs, gateways, out);
    checkSubsets(vs, config, out);
    checkClaimRoutes(vs, config, out);
  }
}

/**
 * A gateway name that resolves to no Gateway (IST0101 ReferencedResourceNotFound), or a Gateway none of whose
 * server hosts covers the VirtualService's hosts (IST0132 VirtualServiceHostNotFoundInGateway).
 */
function checkGatewayReferences(
  vs: Resource<VirtualServiceSpec>,
  gateways: ReadonlyMap<string, ConfigSet["gateways"][number]>,
  out: Diagnostic[],
): void {
  (vs.spec.gateways ?? []).forEach((name, i) => {
    if (name === "mesh") return;
    const full = name.includes("/") ? name : `${vs.meta.namespace}/${name}`;
    const gw = gateways.get(full);
    if (!gw) {
      out.push(
        resourceDiagnostic(
          vs.meta,
          "warning",
          `spec.gateways[${i}]`,
          `Referenced gateway not found: "${full}"`,
        ),
      );
      return;
    }
    const serverHosts = (gw.spec.servers ?? []).flatMap((s) => s.hosts ?? []).flatMap((h) => {
      const slash = h.indexOf("/");
      const ns = slash < 0 ? "*" : h.slice(0, slash);
      const name = (slash < 0 ? h : h.slice(slash + 1)).toLowerCase();
      const nsOk = ns === "*" || ns === vs.meta.namespace ||
        (ns === "." && gw.meta.namespace === vs.meta.namespace);
      return nsOk ? [name] : [];
    });
    const missing = (vs.spec.hosts ?? []).filter((h) => {
      const host = resolveShortName(h, vs.meta.namespace);
      return !serverHosts.some((sh) => hostMatches(sh, host) || hostMatches(host, sh));
    });
    if (missing.length > 0) {
      out.push(resourceDiagnostic(
        vs.meta,
        "warning",
        `spec.gateways[${i}]`,
        `one or more host [${
          missing.join(" ")
        }] defined in VirtualService ${vs.meta.namespace}/${vs.meta.name} not found in Gateway ${full}`,
      ));
    }
  });
}

/** A destination naming a subset that no DestinationRule for its host defines (IST0101). */
function checkSubsets(vs: Resource<VirtualServiceSpec>, config: ConfigSet, out: Diagnostic[]): void {
  const subsetsByHost = new Map<string, Set<string>>();
  for (const dr of config.destinationRules) {
    const host = resolveShortName(dr.spec.host, dr.meta.namespace);
    const set = subsetsByHost.get(host) ?? new Set<string>();
    for (const s of dr.spec.subsets ?? []) set.add(s.name);
    subsetsByHost.set(host, set);
  }
  const check = (d: Destination | undefined, path: string) => {
    if (!d?.subset) return;
    const host = resolveShortName(d.host, vs.meta.namespace);
    const known = [...subsetsByHost].some(([h, subsets]) => hostMatches(h, host) && subsets.has(d.subset!));
    if (!known) {
      out.push(resourceDiagnostic(
        vs.meta,
        "warning",
        path,
        `Referenced host+subset in destinationrule not found: "${host}+${d.subset}" (requests will get 503 NC)`,
      ));
    }
  };
  (vs.spec.http ?? []).forEach((rule, r) => {
    (rule.route ?? []).forEach((dest, d) =>
      check(dest.destination, `spec.http[${r}].route[${d}].destination.subset`)
    );
    check(rule.mirror, `spec.http[${r}].mirror.subset`);
    (rule.mirrors ?? []).forEach((m, i) =>
      check(m.destination, `spec.http[${r}].mirrors[${i}].destination.subset`)
    );
  });
}

/** A `@request.auth.claims` header match with no RequestAuthentication to verify the claims (IST0149). */
function checkClaimRoutes(vs: Resource<VirtualServiceSpec>, config: ConfigSet, out: Diagnostic[]): void {
  if (config.requestAuthentications.length > 0) return;
  (vs.spec.http ?? []).forEach((rule, r) => {
    (rule.match ?? []).forEach((m, i) => {
      const keys = [...Object.keys(m.headers ?? {}), ...Object.keys(m.withoutHeaders ?? {})];
      if (keys.some((k) => k.startsWith("@request.auth.claims"))) {
        out.push(resourceDiagnostic(
          vs.meta,
          "warning",
          `spec.http[${r}].match[${i}]`,
          "JWT claim based routing needs a RequestAuthentication applied to the gateway; without one the match never succeeds",
        ));
      }
    });
  });
}
