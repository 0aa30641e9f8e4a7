/**
 * istiod's webhook rules for Sidecar (`ValidateSidecar`: selector, egress listeners and hosts, outbound
 * traffic policy); ingress listeners are checked in `sidecar_ingress_rules.ts`.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { validateConnectionPool } from "./destination_rule_pool_rules.ts";
import { isIstioDns1123Label, istioFqdnError, istioWildcardDomainError } from "../host_rules.ts";
import type { SidecarIngressListener, SidecarSpec } from "./sidecar.ts";
import {
  validateIngress,
  validatePortAndBind,
  validatePortNameAndProtocol,
} from "./sidecar_ingress_rules.ts";
import { portError, unixAddressError, validateSelectorLabels } from "./workload_entry_rules.ts";

/** The rules of `ValidateSidecar`. */
export function validateSidecar(spec: SidecarSpec, ctx: RuleContext): void {
  if (spec.workloadSelector) {
    if (validateSelectorLabels(spec.workloadSelector.labels, ["workloadSelector", "labels"], ctx)) return;
    if (Object.keys(spec.workloadSelector.labels ?? {}).length === 0) {
      ctx.report(
        ["workloadSelector"],
        "sidecar: workload selector specified without labels, will be applied to all services in namespace",
        "warning",
      );
    }
  }
  if (
    !spec.egress?.length && !spec.ingress?.length && !spec.outboundTrafficPolicy &&
    !spec.inboundConnectionPool
  ) {
    ctx.report([], "sidecar: empty configuration provided");
    return;
  }
  const ports = new Set<number>();
  (spec.ingress ?? []).forEach((l, i) => {
    const at = ["ingress", i] as const;
    if (ports.has(l.port.number ?? 0)) {
      ctx.report([...at, "port"], "sidecar: ports on IP bound listeners must be unique");
    }
    ports.add(l.port.number ?? 0);
    validateIngress(l, at, ctx);
  });
  validateConnectionPool(spec.inboundConnectionPool, ["inboundConnectionPool"], ctx);
  validateEgress(spec, ctx);
  validateOutboundTrafficPolicy(spec, ctx);
}

function validateEgress(spec: SidecarSpec, ctx: RuleContext): void {
  const egress = spec.egress ?? [];
  const ports = new Set<number>();
  const uds = new Set<string>();
  let catchAll = false;
  for (const [i, l] of egress.entries()) {
    const at = ["egress", i] as const;
    if (!l.port) {
      if (catchAll) {
        ctx.report(at, "sidecar: egress can have only one listener with empty port");
        continue;
      }
      if (i === egress.length - 1) catchAll = true;
      else {ctx.report(
          at,
          "sidecar: the egress listener with empty port should be the last listener in the list",
        );}
    } else {
      if (l.port.targetPort) {
        ctx.report([...at, "port", "targetPort"], "targetPort has no impact on Sidecars");
      }
      const bind = l.bind ?? "";
      if (!l.port.number) {
        validateUdsEgressPort(l.port, bind, l.captureMode, at, ctx);
        if (uds.has(bind)) {
          ctx.report([...at, "bind"], "sidecar: unix domain socket values for listeners must be unique");
        }
        uds.add(bind);
      } else {
        validatePortAndBind(l.port, bind, at, ctx);
        if (ports.has(l.port.number)) {
          ctx.report([...at, "port"], "sidecar: ports on IP bound listeners must be unique");
        }
        ports.add(l.port.number);
      }
    }
    validateEgressHosts(l.hosts, ctx.meta.namespace, [...at, "hosts"], ctx);
  }
}

function validateUdsEgressPort(
  port: SidecarIngressListener["port"],
  bind: string,
  captureMode: string | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  validatePortNameAndProtocol(port, at, ctx);
  if (!bind.startsWith("unix://")) {
    ctx.report([...at, "bind"], "sidecar: ports with 0 value must have a unix domain socket bind address");
  } else {
    const err = unixAddressError(bind.slice("unix://".length));
    if (err) ctx.report([...at, "bind"], err);
  }
  if (captureMode && captureMode !== "DEFAULT" && captureMode !== "NONE") {
    ctx.report(
      [...at, "captureMode"],
      "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners",
    );
  }
}

function validateEgressHosts(
  hosts: readonly string[],
  namespace: string,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (hosts.length === 0) {
    ctx.report(at, "sidecar: egress listener must contain at least one host");
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((h, i) => {
    const slash = h.indexOf("/");
    if (slash >= 0 && !h.startsWith("~")) {
      const ns = h.slice(0, slash) === "." ? namespace : h.slice(0, slash);
      const svc = h.slice(slash + 1);
      const svcs = byNamespace.get(ns) ?? new Set<string>();
      byNamespace.set(ns, svcs);
      if (svc !== "*" ? svcs.has(svc) || svcs.has("*") : svcs.size !== 0) {
        ctx.report([...at, i], `duplicated egress host: ${h}`, "warning");
      }
      svcs.add(svc);
    }
    for (const err of namespaceSlashHostErrors(h)) ctx.report([...at, i], err);
  });
  if (byNamespace.get("*")?.has("*") && byNamespace.size !== 1) {
    ctx.report(at, "`*/*` host select all resources, no other hosts can be added", "warning");
  }
}

/** istiod's `ValidateNamespaceSlashWildcardHostname` for sidecars: `[~]namespace/dnsName`, FQDN or `*`. */
function namespaceSlashHostErrors(host: string): string[] {
  const slash = host.indexOf("/");
  if (slash < 0) return ["host must be of form namespace/dnsName"];
  const errs: string[] = [];
  const [nsPart, name] = [host.slice(0, slash), host.slice(slash + 1)];
  if (nsPart === "" || name === "") errs.push("config namespace and dnsName in host entry cannot be empty");
  const ns = nsPart.startsWith("~") ? nsPart.slice(1) : nsPart;
  if (ns !== "" && ns !== "*" && ns !== "." && !isIstioDns1123Label(ns)) {
    errs.push(`invalid namespace value ${JSON.stringify(nsPart)} in sidecar`);
  }
  if (name !== "*" && !name.includes(".")) errs.push("short names (non FQDN) are not allowed");
  const domainErr = istioWildcardDomainError(name);
  if (domainErr) errs.push(domainErr);
  if (name.includes("*") && name.length !== 1 && !name.startsWith("*.")) {
    errs.push(`partial wildcard ${JSON.stringify(name)} not allowed`);
  }
  return errs;
}

function validateOutboundTrafficPolicy(spec: SidecarSpec, ctx: RuleContext): void {
  const policy = spec.outboundTrafficPolicy;
  const proxy = policy?.egressProxy;
  if (!proxy) return;
  const at = ["outboundTrafficPolicy", "egressProxy"];
  if (policy?.mode !== "ALLOW_ANY") {
    ctx.report(at, "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
    return;
  }
  const fqdnErr = istioFqdnError(proxy.host);
  if (fqdnErr) ctx.report([...at, "host"], fqdnErr);
  if (!proxy.port) {
    ctx.report([...at, "port"], "sidecar: egress_proxy port must be non-nil");
    return;
  }
  if (proxy.host === "*") ctx.report([...at, "host"], "invalid destination host *");
  else {
    const err = istioWildcardDomainError(proxy.host);
    if (err) ctx.report([...at, "host"], err);
  }
  if (proxy.subset) {
    if (!isIstioDns1123Label(proxy.subset)) {
      ctx.report([...at, "subset"], `subset name is invalid: ${proxy.subset}`);
    }
  }
  const portErr = portError(proxy.port.number ?? 0);
  if (portErr) ctx.report([...at, "port", "number"], portErr);
}
