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

/** The reason an FQDN (no wildcard) is invalid, or undefined when valid. */
export function fqdnError(domain: string): string | undefined {
  if (domain.includes("*")) return `domain name "${domain}" invalid (wildcard not allowed)`;
  return wildcardDomainError(domain);
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
