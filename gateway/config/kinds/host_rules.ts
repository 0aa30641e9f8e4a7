/**
 * Host name and port rules shared by the networking kinds (istiod's `ValidateWildcardDomain`,
 * `validateNamespaceSlashWildcardHostname`, `ValidatePort`).
 * @module
 */
import type { FieldPath } from "../diagnostics.ts";
import type { RuleContext } from "../kind.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?$/;

/** Checks a port number is within 1..65535. */
export function validatePortNumber(port: number, at: FieldPath, ctx: RuleContext): void {
  if (port < 1 || port > 65535) ctx.report(at, `port number ${port} must be in the range 1..65535`);
}

/** The reason a wildcard domain (`*`, `*.example.com`, `example.com`) is invalid, or undefined when valid. */
export function wildcardDomainError(domain: string): string | undefined {
  if (domain.length === 0) return "domain name cannot be empty";
  if (domain.length > 255) return `domain name "${domain}" too long (max 255)`;
  if (domain === "*") return undefined;
  const body = domain.startsWith("*.") ? domain.slice(2) : domain;
  if (body.includes("*")) {
    return `domain name "${domain}" invalid (wildcard only allowed as the left-most label)`;
  }
  const labels = (body.endsWith(".") ? body.slice(0, -1) : body).split(".");
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !DNS_LABEL.test(label)) {
      return `domain name "${domain}" invalid (label "${label}" invalid)`;
    }
  }
  return undefined;
}

/** True for an IPv4 or IPv6 address literal. */
export function isIpAddress(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((p) => Number(p) <= 255);
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const doubleColons = s.split("::").length - 1;
  if (doubleColons > 1) return false;
  const groups = s.split(":").filter((g) => g !== "");
  return groups.length <= 8 && groups.every((g) => g.length <= 4 || g.includes("."));
}

/** True for a CIDR block such as `10.0.0.0/8` or `2001:db8::/32`. */
export function isCidr(s: string): boolean {
  const [ip, bits, ...rest] = s.split("/");
  if (rest.length > 0 || bits === undefined || !/^\d+$/.test(bits) || !isIpAddress(ip)) return false;
  return Number(bits) <= (ip.includes(":") ? 128 : 32);
}

/**
 * A Gateway server host: `[namespace/]dnsName`, where namespace is `*`, `.`, `~` or a DNS-1123 label and the
 * name a wildcard domain; `*\/*` cannot be mixed with other hosts.
 */
export function validateGatewayHost(
  host: string,
  all: readonly string[],
  at: FieldPath,
  ctx: RuleContext,
): void {
  const parts = host.split("/");
  if (parts.length > 2) {
    ctx.report(at, `host "${host}" must be of form namespace/dnsName`);
    return;
  }
  if (parts.length === 2) {
    const [ns, name] = parts;
    if (ns.length === 0) {
      ctx.report(at, `namespace must be *, ., ~ or a valid DNS-1123 label in host "${host}"`);
      return;
    }
    if (ns !== "*" && ns !== "." && ns !== "~" && !DNS1123_LABEL.test(ns)) {
      ctx.report(at, `invalid namespace value "${ns}" in host "${host}"`);
    }
    if (host === "*/*" && all.length > 1) {
      ctx.report(at, "`*/*` host select all resources, no other hosts can be added");
    }
    const err = wildcardDomainError(name);
    if (err) ctx.report(at, err);
    return;
  }
  const err = wildcardDomainError(host);
  if (err) ctx.report(at, err);
}

const ISTIO_DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const ISTIO_WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = "(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY = new RegExp(
  `^((?:[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)/)?(${QUALIFIED_NAME})$`,
);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);

/** Istio's `labels.IsDNS1123Label`: letters of either case, digits and inner dashes, at most 63 characters. */
export function isIstioDns1123Label(value: string): boolean {
  return value.length <= 63 && ISTIO_DNS1123_LABEL.test(value);
}

/** Kubernetes' `IsDNS1123Label`: lowercase letters, digits and inner dashes, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

function dns1123PreconditionError(name: string): string | undefined {
  if (name.length > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name.length === 0) return "empty domain name not allowed";
  return undefined;
}

/**
 * The label checks of istiod's `ValidateFQDN`, with its messages: every label valid by `isLabel` (Istio's, of
 * either case, unless told otherwise), a trailing dot allowed, no all-numeric top-level domain.
 */
export function dns1123LabelsError(
  domain: string,
  isLabel: (label: string) => boolean = isIstioDns1123Label,
): string | undefined {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) {
    return `domain name ${JSON.stringify(domain)} invalid (top level domain ${
      JSON.stringify(tld)
    } cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (!isLabel(parts[i])) {
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(parts[i])} invalid)`;
    }
  }
  return undefined;
}

/**
 * istiod's `ValidateWildcardDomain`, with its exact messages: a DNS name whose first label may be `*`, `*foo` or
 * `*-foo`; short names are accepted. Returns undefined when valid.
 */
export function istioWildcardDomainError(domain: string): string | undefined {
  const pre = dns1123PreconditionError(domain);
  if (pre) return pre;
  const dot = domain.indexOf(".");
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !ISTIO_WILDCARD_LABEL.test(first)) {
    return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  }
  return dot < 0 ? undefined : dns1123LabelsError(domain.slice(dot + 1));
}

/**
 * istiod's `ValidateFQDN`, with its exact messages (no wildcard; a trailing dot is allowed); `isLabel` as for
 * {@link dns1123LabelsError}.
 */
export function istioFqdnError(
  fqdn: string,
  isLabel: (label: string) => boolean = isIstioDns1123Label,
): string | undefined {
  return dns1123PreconditionError(fqdn) ?? dns1123LabelsError(fqdn, isLabel);
}

/** istiod's `ValidateIPSubnet`: an IP address or a CIDR block; returns its message or undefined. */
export function ipSubnetError(subnet: string): string | undefined {
  if (subnet.split("/").length === 2) {
    return isCidr(subnet) ? undefined : `${subnet} is not a valid CIDR block`;
  }
  return isIpAddress(subnet) ? undefined : `${subnet} is not a valid IP`;
}

/** istiod's `labels.Instance.Validate`: the messages for invalid label keys and values (empty when valid). */
export function labelErrors(labels: Readonly<Record<string, string>> | undefined): string[] {
  const errors: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const m = LABEL_KEY.exec(k);
    if (!m) errors.push(`invalid tag key: ${JSON.stringify(k)}`);
    else if (m[1] && m[1].length - 1 > 253) {
      errors.push(`invalid tag key: ${JSON.stringify(k)} (DNS prefix is too long)`);
    } else if (m[2].length > 63) errors.push(`invalid tag key: ${JSON.stringify(k)} (name is too long)`);
    if (!LABEL_VALUE.test(v)) errors.push(`invalid tag value: ${JSON.stringify(v)}`);
  }
  return errors;
}

/** Options of {@link validateExportTo} for the kinds that treat `exportTo` specially. */
export interface ExportToOptions {
  /** ServiceEntry: `~` (visible to no one) is allowed, alone. */
  readonly serviceEntry?: boolean;
  /** DestinationRule with a workloadSelector: only its own namespace. */
  readonly destinationRuleWithSelector?: boolean;
}

/** istiod's `validateExportTo`: `.`, `*` or namespace names, no duplicates, `*` alone. */
export function validateExportTo(
  namespace: string,
  exportTo: readonly string[] | undefined,
  at: FieldPath,
  ctx: RuleContext,
  options: ExportToOptions = {},
): void {
  if (!exportTo || exportTo.length === 0) return;
  const seen = new Set<string>();
  exportTo.forEach((e, i) => {
    const key = e === "." ? namespace : e;
    if (seen.has(key)) {
      ctx.report(
        [...at, i],
        key !== e
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${e}`,
      );
      return;
    }
    if (options.serviceEntry && e === "~") {
      seen.add(key);
      return;
    }
    if (key === "~") {
      ctx.report([...at, i], "exportTo ~ (none) is not allowed for Istio configuration objects");
    } else if (key !== "." && key !== "*" && !isIstioDns1123Label(key)) {
      ctx.report([...at, i], "only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
    } else seen.add(key);
  });
  if (options.destinationRuleWithSelector && seen.size > 0) {
    if (!seen.has(namespace)) {
      ctx.report(at, "destination rule with workload selector cannot have exportTo beyond current namespace");
    } else if (seen.size > 1) {
      ctx.report(at, "destination rule with workload selector cannot have multiple entries in exportTo");
    }
  }
  if (seen.has("*") && exportTo.length > 1) {
    ctx.report(at, "cannot have both public (*) and non-public exportTo values for a resource");
  }
  if (seen.has("~") && exportTo.length > 1) {
    ctx.report(at, "cannot export service entry to no one (~) and someone");
  }
}
