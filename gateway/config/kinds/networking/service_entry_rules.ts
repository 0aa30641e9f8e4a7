/**
 * istiod's webhook rules for ServiceEntry (`ValidateServiceEntry`).
 * @module
 */
import type { RuleContext } from "../../kind.ts";
import {
  ipSubnetError,
  isIpAddress,
  istioFqdnError,
  istioWildcardDomainError,
  labelErrors,
  validateExportTo,
} from "../host_rules.ts";
import type { ServiceEntrySpec } from "./service_entry.ts";
import {
  isHttpProtocol,
  isTlsProtocol,
  parseProtocol,
  portError,
  portNameError,
  protocolError,
  validateEndpointPorts,
  validateSelectorLabels,
  validateWorkloadEntryBody,
} from "./workload_entry_rules.ts";

/** The rules of `ValidateServiceEntry`. */
export function validateServiceEntry(spec: ServiceEntrySpec, ctx: RuleContext): void {
  const selector = spec.workloadSelector;
  if (selector) {
    if (validateSelectorLabels(selector.labels, ["workloadSelector", "labels"], ctx)) return;
    if (Object.keys(selector.labels ?? {}).length === 0) {
      ctx.report(
        ["workloadSelector"],
        "service entry: workload selector specified without labels, will be applied to all services in namespace",
        "warning",
      );
    }
    if (spec.endpoints?.length) {
      ctx.report(["endpoints"], "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
    }
  }
  const resolution = spec.resolution ?? "NONE";
  validateHosts(spec, resolution, ctx);
  let cidrFound = false;
  (spec.addresses ?? []).forEach((a, i) => {
    cidrFound ||= a.includes("/");
    const err = ipSubnetError(a);
    if (err) ctx.report(["addresses", i], err);
  });
  if (cidrFound && resolution !== "NONE" && resolution !== "STATIC") {
    ctx.report(["addresses"], "CIDR addresses are allowed only for NONE/STATIC resolution types");
  }
  const servicePorts = validatePorts(spec, resolution, ctx);
  validateResolution(spec, resolution, servicePorts, ctx);
  if (resolution !== "NONE" && spec.hosts.length > 1) {
    const i = (spec.ports ?? []).findIndex((p) => {
      const proto = parseProtocol(p.protocol ?? "");
      return !isHttpProtocol(proto) && !isTlsProtocol(proto);
    });
    if (i >= 0) ctx.report(["ports", i, "protocol"], "multiple hosts provided with non-HTTP, non-TLS ports");
  }
  validateExportTo(ctx.meta.namespace, spec.exportTo, ["exportTo"], ctx, { serviceEntry: true });
}

function validateHosts(spec: ServiceEntrySpec, resolution: string, ctx: RuleContext): void {
  spec.hosts.forEach((h, i) => {
    if (h === "*") {
      ctx.report(["hosts", i], `invalid host ${h}`);
      return;
    }
    const err = istioWildcardDomainError(h);
    if (err) ctx.report(["hosts", i], err);
    if (resolution !== "DYNAMIC_DNS" && h.includes("*") && h.length !== 1 && !h.startsWith("*.")) {
      ctx.report(["hosts", i], `partial wildcard ${JSON.stringify(h)} not allowed`, "warning");
    }
  });
}

function validatePorts(spec: ServiceEntrySpec, resolution: string, ctx: RuleContext): Set<string> {
  // With IP auto-allocation on (istiod's default), TCP ports get a VIP unless resolution is NONE or opted out.
  const autoAllocation = resolution !== "NONE" &&
    ctx.meta.labels["networking.istio.io/enable-autoallocate-ip"]?.toLowerCase() !== "false" &&
    !spec.addresses?.length;
  const names = new Set<string>();
  const numbers = new Set<number>();
  (spec.ports ?? []).forEach((p, i) => {
    const at = ["ports", i] as const;
    if (names.has(p.name)) {
      ctx.report([...at, "name"], `service entry port name ${JSON.stringify(p.name)} already defined`);
    }
    if (numbers.has(p.number)) {
      ctx.report([...at, "number"], `service entry port ${p.number} already defined`);
    }
    names.add(p.name);
    numbers.add(p.number);
    if (p.targetPort) {
      const err = portError(p.targetPort);
      if (err) ctx.report([...at, "targetPort"], err);
    }
    if (!spec.addresses?.length && !autoAllocation && (!p.protocol || p.protocol === "TCP")) {
      ctx.report(
        at,
        "addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled",
        "warning",
      );
    }
    const errs = [portNameError(p.name), protocolError(p.protocol), portError(p.number)];
    for (const err of errs) if (err) ctx.report(at, err);
  });
  return names;
}

function validateResolution(
  spec: ServiceEntrySpec,
  resolution: string,
  servicePorts: ReadonlySet<string>,
  ctx: RuleContext,
): void {
  const endpoints = spec.endpoints ?? [];
  switch (resolution) {
    case "NONE":
      if (endpoints.length) {
        ctx.report(["endpoints"], "no endpoints should be provided for resolution type none");
      }
      if (spec.workloadSelector) {
        ctx.report(
          ["workloadSelector"],
          "workloadSelector should not be set when resolution mode is NONE",
          "warning",
        );
      }
      return;
    case "STATIC":
      endpoints.forEach((e, i) => validateWorkloadEntryBody(e, servicePorts, false, ["endpoints", i], ctx));
      return;
    case "DNS":
    case "DNS_ROUND_ROBIN":
      validateDnsResolution(spec, resolution, servicePorts, ctx);
      return;
    case "DYNAMIC_DNS":
      validateDynamicDns(spec, resolution, ctx);
  }
}

function validateDnsResolution(
  spec: ServiceEntrySpec,
  resolution: string,
  servicePorts: ReadonlySet<string>,
  ctx: RuleContext,
): void {
  const endpoints = spec.endpoints ?? [];
  if (endpoints.length === 0) {
    for (const [i, h] of spec.hosts.entries()) {
      const err = istioFqdnError(h);
      if (err) {
        ctx.report(
          ["hosts", i],
          `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${err}`,
        );
        break;
      }
    }
  }
  if (resolution === "DNS_ROUND_ROBIN" && endpoints.length > 1) {
    ctx.report(["endpoints"], `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
  }
  endpoints.forEach((e, i) => {
    const at = ["endpoints", i] as const;
    const addr = e.address ?? "";
    if (!isIpAddress(addr) && istioFqdnError(addr)) {
      ctx.report(
        [...at, "address"],
        `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`,
      );
    }
    for (const err of labelErrors(e.labels)) ctx.report([...at, "labels"], err);
    validateEndpointPorts(e, servicePorts, at, ctx);
  });
  if (spec.addresses?.length && spec.hosts.length > 1) {
    const tcp = (spec.ports ?? []).some((p) =>
      ["TCP", "HTTPS", "TLS", "Mongo", "Redis", "MySQL"].includes(parseProtocol(p.protocol ?? ""))
    );
    if (tcp) {
      ctx.report(
        ["hosts"],
        "service entry can not have more than one host specified simultaneously with address and tcp port",
        "warning",
      );
    }
  }
}

function validateDynamicDns(spec: ServiceEntrySpec, resolution: string, ctx: RuleContext): void {
  spec.hosts.forEach((h, i) => {
    if (!h.startsWith("*")) {
      ctx.report(["hosts", i], `host must be wildcarded for resolution mode ${resolution}`);
    }
  });
  if (spec.addresses?.length) {
    ctx.report(
      ["addresses"],
      `addresses cannot be set for resolution type ${resolution}. HTTP route domains will only be generatedfrom the hosts field values`,
    );
  }
  if (spec.endpoints?.length) {
    ctx.report(
      ["endpoints"],
      `endpoints cannot be set for resolution type ${resolution}. Destination IP address determined from hostsfield values`,
    );
  }
  (spec.ports ?? []).forEach((p, i) => {
    if (!["HTTP", "TLS", "GRPC", "HTTP2"].includes(parseProtocol(p.protocol ?? ""))) {
      ctx.report(
        ["ports", i, "protocol"],
        `only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type ${resolution}`,
      );
    }
  });
  const waypoint = ctx.meta.labels["istio.io/use-waypoint"];
  if (spec.location === "MESH_INTERNAL" && waypoint && waypoint.toLowerCase() !== "none") {
    ctx.report(
      ["location"],
      `location MESH_INTERNAL with resolution type ${resolution} is not supported when using waypoints`,
    );
  }
}
