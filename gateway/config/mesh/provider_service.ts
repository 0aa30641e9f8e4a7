/**
 * The `service` of an extension provider, as istiod's `validateExtensionProviderService` checks it: an FQDN or
 * an IP address, or `namespace/host`.
 * @module
 */
import { dns1123LabelsError, isDns1123Label, istioFqdnError } from "../kinds/host_rules.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WILDCARD_LABEL = /^(\*|\*?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/** The reason `service` is not a valid provider service, or undefined when it is. */
export function providerServiceError(service: string): string | undefined {
  if (service === "") return "service must not be empty";
  const slash = service.indexOf("/");
  if (slash < 0) {
    if (istioFqdnError(service, isDns1123Label) === undefined || isIp(service)) return undefined;
    return `invalid service fmt ${service}: ${service} is not a valid IP`;
  }
  const ns = service.slice(0, slash);
  const host = service.slice(slash + 1);
  if (ns === "" || host === "") return "config namespace and dnsName in host entry cannot be empty";
  if (!["*", ".", "~"].includes(ns) && !DNS1123_LABEL.test(ns)) {
    return `invalid namespace value ${JSON.stringify(ns)} in sidecar`;
  }
  if (host !== "*" && !host.includes(".")) return "short names (non FQDN) are not allowed";
  const [first, ...rest] = host.split(".");
  if (
    !WILDCARD_LABEL.test(first) ||
    (rest.length > 0 && dns1123LabelsError(rest.join("."), isDns1123Label) !== undefined)
  ) {
    return `domain name ${JSON.stringify(host)} invalid`;
  }
  if (host.includes("*") && host !== "*" && !host.startsWith("*.")) {
    return `partial wildcard ${JSON.stringify(host)} not allowed`;
  }
  return undefined;
}

/**
 * An IP address as the URL parser reads it: unlike `isIpAddress` of host_rules.ts it rejects IPv6 text with too
 * few groups (`1:2`), as Go's `netip.ParseAddr` does.
 */
function isIp(s: string): boolean {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((o) => Number(o) <= 255);
  if (!s.includes(":")) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}
