/**
 * istiod's rules for a Sidecar's ingress listeners: port and bind, `defaultEndpoint`, TLS (`validateTLSOptions`)
 * and connection pool.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { validateConnectionPool } from "./destination_rule_pool_rules.ts";
import { isIpAddress } from "../host_rules.ts";
import type { SidecarIngressListener, SidecarServerTLSSettings } from "./sidecar.ts";
import {
  isHttpProtocol,
  isTlsProtocol,
  parseProtocol,
  portError,
  portNameError,
  protocolError,
  unixAddressError,
} from "./workload_entry_rules.ts";

const VALID_CIPHERS = new Set([
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-SHA",
  "ECDHE-RSA-AES128-SHA",
  "ECDHE-ECDSA-AES256-SHA",
  "ECDHE-RSA-AES256-SHA",
  "AES128-GCM-SHA256",
  "AES256-GCM-SHA384",
  "AES128-SHA",
  "AES256-SHA",
  "DES-CBC3-SHA",
]);

/** The port name and protocol of a listener, bound to an IP or to a unix domain socket. */
export function validatePortNameAndProtocol(
  port: SidecarIngressListener["port"],
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (port.name) {
    const err = portNameError(port.name);
    if (err) ctx.report([...at, "port", "name"], err);
  }
  const protoErr = protocolError(port.protocol);
  if (protoErr) ctx.report([...at, "port", "protocol"], protoErr);
}

/** The port name, protocol and number of a listener, and its bind IP. */
export function validatePortAndBind(
  port: SidecarIngressListener["port"],
  bind: string | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  validatePortNameAndProtocol(port, at, ctx);
  const portErr = portError(port.number ?? 0);
  if (portErr) ctx.report([...at, "port", "number"], portErr);
  if (bind && !isIpAddress(bind)) ctx.report([...at, "bind"], `${bind} is not a valid IP`);
}

/** The checks of one ingress listener. */
export function validateIngress(l: SidecarIngressListener, at: FieldPath, ctx: RuleContext): void {
  if (l.port.targetPort) ctx.report([...at, "port", "targetPort"], "targetPort has no impact on Sidecars");
  validatePortAndBind(l.port, l.bind, at, ctx);
  if (l.defaultEndpoint) validateDefaultEndpoint(l.defaultEndpoint, [...at, "defaultEndpoint"], ctx);
  const protocol = parseProtocol(l.port.protocol ?? "");
  if (l.tls) {
    const tls = l.tls;
    const tat = [...at, "tls"];
    if (tls.subjectAltNames?.length) {
      ctx.report(tat, "sidecar: subjectAltNames is not supported in ingress tls");
    }
    if (tls.credentialName) ctx.report(tat, "sidecar: credentialName is not currently supported");
    if (tls.credentialNames?.length) ctx.report(tat, "sidecar: credentialNames is not currently supported");
    if (tls.tlsCertificates?.length) ctx.report(tat, "sidecar: tls_certificates is not currently supported");
    if (tls.mode === "ISTIO_MUTUAL" || tls.mode === "AUTO_PASSTHROUGH") {
      ctx.report(tat, `configuration is invalid: cannot set mode to ${tls.mode} in sidecar ingress tls`);
    }
    if (!isTlsProtocol(protocol)) ctx.report(tat, "server cannot have TLS settings for non HTTPS/TLS ports");
    validateServerTlsOptions(tls, tat, ctx);
  }
  validateConnectionPool(l.connectionPool, [...at, "connectionPool"], ctx);
  if (l.connectionPool?.http && !isHttpProtocol(protocol)) {
    ctx.report(
      [...at, "connectionPool", "http"],
      `sidecar: HTTP connection pool settings are configured for port ${l.port.number ?? 0} (${
        JSON.stringify(l.port.name ?? "")
      }) but its protocol is not HTTP (${l.port.protocol ?? ""}); only TCP settings will apply`,
      "warning",
    );
  }
}

/** Go's `net.SplitHostPort`, returning its error text instead of throwing. */
function splitHostPort(s: string): { host: string; port: string; error?: string } {
  const fail = (why: string) => ({ host: "", port: "", error: `address ${s}: ${why}` });
  const colon = s.lastIndexOf(":");
  if (colon < 0) return fail("missing port in address");
  let host: string;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === s.length) return fail("missing port in address");
    if (end + 1 !== colon) {
      return fail(s[end + 1] === ":" ? "too many colons in address" : "missing port in address");
    }
    host = s.slice(1, end);
    if (s.slice(1).includes("[")) return fail("unexpected '[' in address");
    if (s.slice(end + 1).includes("]")) return fail("unexpected ']' in address");
  } else {
    host = s.slice(0, colon);
    if (host.includes(":")) return fail("too many colons in address");
    if (s.includes("[")) return fail("unexpected '[' in address");
    if (s.includes("]")) return fail("unexpected ']' in address");
  }
  return { host, port: s.slice(colon + 1) };
}

function validateDefaultEndpoint(endpoint: string, at: FieldPath, ctx: RuleContext): void {
  if (endpoint.startsWith("unix://")) {
    const err = unixAddressError(endpoint.slice("unix://".length));
    if (err) ctx.report(at, err);
    return;
  }
  const { host, port, error } = splitHostPort(endpoint);
  if (error) ctx.report(at, error);
  if (host !== "" && !["127.0.0.1", "0.0.0.0", "::1", "::"].includes(host)) {
    ctx.report(
      at,
      "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
    );
  }
  if (!/^[+-]?\d+$/.test(port)) {
    ctx.report(
      at,
      `sidecar: defaultEndpoint port (${port}) is not a number: strconv.Atoi: parsing ${
        JSON.stringify(port)
      }: invalid syntax`,
    );
  } else {
    const err = portError(Number(port));
    if (err) ctx.report(at, err);
  }
}

/** istiod's `validateTLSOptions` for server-side TLS. */
function validateServerTlsOptions(tls: SidecarServerTLSSettings, at: FieldPath, ctx: RuleContext): void {
  const warn = (message: string) => ctx.report(at, message, "warning");
  const ciphers = tls.cipherSuites ?? [];
  if (
    (tls.minProtocolVersion === "TLSV1_0" || tls.minProtocolVersion === "TLSV1_1") && ciphers.length === 0
  ) {
    warn(
      "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.",
    );
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const duplicate = new Set<string>();
  for (const c of ciphers) {
    const passes = c === "" || c === "ALL" || !/^[\p{L}\p{N}]/u.test(c) || VALID_CIPHERS.has(c);
    if (!passes) invalid.add(c);
    else if (valid.has(c)) duplicate.add(c);
    else valid.add(c);
  }
  if (invalid.size) warn(`ignoring invalid cipher suites: [${[...invalid].sort().join(" ")}]`);
  if (duplicate.size) warn(`ignoring duplicate cipher suites: [${[...duplicate].sort().join(" ")}]`);
  const mode = tls.mode ?? "PASSTHROUGH";
  if (mode === "ISTIO_MUTUAL") {
    const fields: [unknown, string][] = [
      [tls.serverCertificate, "server certificate"],
      [tls.privateKey, "private key"],
      [tls.caCertificates, "CA bundle"],
      [tls.tlsCertificates?.length, "tlsCertificates"],
      [tls.credentialName, "credentialName"],
      [tls.credentialNames?.length, "credentialNames"],
    ];
    for (const [v, what] of fields) if (v) ctx.report(at, `ISTIO_MUTUAL TLS cannot have associated ${what}`);
    return;
  }
  if (mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH") {
    if (
      tls.caCrl || tls.serverCertificate || tls.privateKey || tls.caCertificates ||
      tls.tlsCertificates?.length ||
      tls.credentialName || tls.credentialNames?.length
    ) warn(`${mode} mode does not use certificates, they will be ignored`);
  }
  const sources = [
    !!(tls.serverCertificate && tls.privateKey),
    !!tls.credentialName,
    !!tls.credentialNames?.length,
    !!tls.tlsCertificates?.length,
  ].filter(Boolean).length;
  if (sources > 1) {
    ctx.report(
      at,
      "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified",
    );
  }
  const terminating = mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL";
  if (terminating && (tls.credentialName || tls.credentialNames?.length)) return;
  if (terminating) {
    const prefix = mode === "SIMPLE" ? "SIMPLE TLS" : "MUTUAL TLS";
    if (mode !== "SIMPLE" && !tls.caCertificates) ctx.report(at, `${prefix} requires a client CA bundle`);
    const certs = tls.tlsCertificates?.length ? tls.tlsCertificates : [tls];
    for (const cert of certs) {
      if (!cert.serverCertificate) ctx.report(at, `${prefix} requires a server certificate`);
      if (!cert.privateKey) ctx.report(at, `${prefix} requires a private key`);
    }
  }
  if (tls.caCrl) {
    if (tls.credentialName) {
      ctx.report(at, "CRL is not supported with credentialName. CRL has to be specified in the credential");
    }
    if (mode === "SIMPLE") ctx.report(at, "CRL is not supported with SIMPLE TLS");
  }
}
