/**
 * istiod's `validateWorkloadEntry` (for WorkloadEntry and ServiceEntry endpoints) and the small port, protocol,
 * unix address and selector checks it shares with ServiceEntry, DestinationRule and Sidecar.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { isIpAddress, isIstioDns1123Label, istioFqdnError, labelErrors } from "../host_rules.ts";
import type { WorkloadEntryBody } from "./service_entry.ts";

/** istiod's `ValidatePort`: the message for a port outside 1..65535, or undefined. */
export function portError(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** istiod's `ValidatePortName`: the message for a name that is not a DNS-1123 label, or undefined. */
export function portNameError(name: string): string | undefined {
  return isIstioDns1123Label(name) ? undefined : `invalid port name: ${name}`;
}

const PROTOCOLS: Record<string, string> = {
  tcp: "TCP",
  udp: "UDP",
  grpc: "GRPC",
  "grpc-web": "GRPC-Web",
  http: "HTTP",
  http_proxy: "HTTP_PROXY",
  http2: "HTTP2",
  https: "HTTPS",
  tls: "TLS",
  mongo: "Mongo",
  redis: "Redis",
  mysql: "MySQL",
};

/** istio's `protocol.Parse`: the canonical protocol name, or `UnsupportedProtocol`. */
export function parseProtocol(s: string): string {
  return PROTOCOLS[s.toLowerCase()] ?? "UnsupportedProtocol";
}

/** True for the protocols istio treats as HTTP (`IsHTTP`). */
export function isHttpProtocol(p: string): boolean {
  return ["HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-Web"].includes(p);
}

/** True for the protocols istio treats as TLS (`IsTLS`). */
export function isTlsProtocol(p: string): boolean {
  return p === "HTTPS" || p === "TLS";
}

/** istiod's `ValidateProtocol`: empty means sniffing; anything else must parse. */
export function protocolError(protocol: string | undefined): string | undefined {
  if (!protocol || parseProtocol(protocol) !== "UnsupportedProtocol") return undefined;
  return `unsupported protocol: ${protocol}`;
}

/** istiod's `ValidateUnixAddress` for the part after `unix://`. */
export function unixAddressError(addr: string): string | undefined {
  if (addr === "") return "unix address must not be empty";
  if (addr.startsWith("@")) return undefined;
  if (!addr.startsWith("/") || addr.endsWith("/")) return `${addr} is not an absolute path to a file`;
  return undefined;
}

/** The selector label checks: no empty keys, no `*` in keys or values. Returns whether any failed. */
export function validateSelectorLabels(
  labels: Readonly<Record<string, string>> | undefined,
  at: FieldPath,
  ctx: RuleContext,
): boolean {
  let failed = false;
  for (const [k, v] of Object.entries(labels ?? {})) {
    const pair = JSON.stringify(`${k}=${v}`);
    if (k === "") {
      ctx.report(at, `empty key is not supported in selector: ${pair}`);
      failed = true;
    }
    if (k.includes("*") || v.includes("*")) {
      ctx.report(at, `wildcard is not supported in selector: ${pair}`);
      failed = true;
    }
  }
  return failed;
}

/**
 * istiod's `validateWorkloadEntry`: the address (IP, FQDN when allowed, or `unix://` path), ports and labels of
 * an endpoint. `servicePorts` are the port names of the enclosing ServiceEntry, if any.
 */
export function validateWorkloadEntryBody(
  we: WorkloadEntryBody,
  servicePorts: ReadonlySet<string> | undefined,
  allowFqdn: boolean,
  at: FieldPath,
  ctx: RuleContext,
): void {
  const addr = we.address ?? "";
  if (addr === "") {
    if (!we.network) {
      ctx.report([...at, "address"], "address is required");
      return;
    }
    ctx.report([...at, "address"], `address is unset with network ${JSON.stringify(we.network)}`, "warning");
  }
  const unix = addr.startsWith("unix://");
  if (unix) {
    const err = unixAddressError(addr.slice("unix://".length));
    if (err) ctx.report([...at, "address"], err);
    if (Object.keys(we.ports ?? {}).length > 0) {
      ctx.report([...at, "ports"], `unix endpoint ${addr} must not include ports`);
    }
  } else if (addr !== "" && !isIpAddress(addr)) {
    if (!allowFqdn) {
      ctx.report([...at, "address"], `endpoint address ${JSON.stringify(addr)} is not a valid IP address`);
    } else if (istioFqdnError(addr)) {
      ctx.report(
        [...at, "address"],
        `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`,
      );
    }
  }
  validateEndpointPorts(we, servicePorts, at, ctx);
  for (const err of labelErrors(we.labels)) ctx.report([...at, "labels"], err);
  if (unix && servicePorts && servicePorts.size !== 1) {
    ctx.report(at, "exactly 1 service port required for unix endpoints");
  }
}

/** The port checks of an endpoint: declared by the ServiceEntry (if any), valid names and numbers. */
export function validateEndpointPorts(
  we: WorkloadEntryBody,
  servicePorts: ReadonlySet<string> | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    const pat = [...at, "ports", name];
    if (servicePorts && !servicePorts.has(name)) {
      ctx.report(pat, `endpoint port ${port} is not defined by the service entry`);
    }
    const nameErr = portNameError(name);
    if (nameErr) ctx.report(pat, nameErr);
    const portErr = portError(port);
    if (portErr) ctx.report(pat, portErr);
  }
}
