/**
 * `ip:port` addresses as the telemetry records carry them (IPv6 in brackets: `[::1]:8080`).
 * @module
 */

/** The host part of `ip:port` (brackets of IPv6 kept off), or the text itself when it has no port. */
export function addressHost(address: string): string {
  const colon = address.lastIndexOf(":");
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    return close > 0 ? address.slice(1, close) : address;
  }
  if (colon < 0 || address.indexOf(":") !== colon) return address;
  return address.slice(0, colon);
}

/** The port of `ip:port`, or undefined when there is none. */
export function addressPort(address: string): number | undefined {
  const colon = address.lastIndexOf(":");
  if (colon < 0) return undefined;
  if (!address.startsWith("[") && address.indexOf(":") !== colon) return undefined;
  if (address.startsWith("[") && address[colon - 1] !== "]") return undefined;
  const port = Number(address.slice(colon + 1));
  return Number.isInteger(port) && address.length > colon + 1 ? port : undefined;
}
