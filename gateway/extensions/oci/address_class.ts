/**
 * Which kind of network a host name or IP literal points into, for the checks on registry token realms: Istio's
 * agent never lets a registry send it to cloud metadata or link-local addresses, and a public registry may not
 * send it into private or loopback ranges.
 * @module
 */

/** `metadata`: a cloud metadata service; `public` includes every name that is not an IP literal. */
export type AddressClass = "loopback" | "private" | "link-local" | "metadata" | "public";

const METADATA_HOSTS = new Set(["metadata.google.internal", "100.100.100.200", "fd00:ec2::254"]);

/** The class of `host` (a name, an IPv4 literal, or an IPv6 literal with or without brackets). */
export function addressClass(host: string): AddressClass {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (METADATA_HOSTS.has(h)) return "metadata";
  if (h === "localhost" || h.endsWith(".localhost")) return "loopback";
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 127) return "loopback";
    if (a === 169 && b === 254) return "link-local";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
    return "public";
  }
  if (!h.includes(":")) return "public";
  if (h === "::1") return "loopback";
  if (/^fe[89ab]/.test(h)) return "link-local";
  if (/^f[cd]/.test(h)) return "private";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? addressClass(mapped[1]) : "public";
}

/** The host part of `host:port`, `[v6]:port`, or a bare host. */
export function hostOnly(hostPort: string): string {
  if (hostPort.startsWith("[")) return hostPort.slice(1, hostPort.indexOf("]"));
  const colon = hostPort.lastIndexOf(":");
  return colon >= 0 && hostPort.indexOf(":") === colon ? hostPort.slice(0, colon) : hostPort;
}
