/**
 * `networking.istio.io` Gateway: the schema of its spec and the webhook's rules for it.
 * @module
 */
import { z } from "zod";
import { defineKind, type RuleContext } from "../../kind.ts";
import { stringMap, uint32 } from "../../schema/common.ts";
import { isIpAddress, validateGatewayHost, validatePortNumber } from "../host_rules.ts";

const tlsMode = z.enum([
  "PASSTHROUGH",
  "SIMPLE",
  "MUTUAL",
  "AUTO_PASSTHROUGH",
  "ISTIO_MUTUAL",
  "OPTIONAL_MUTUAL",
]);
const tlsVersion = z.enum(["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]);

const tlsCertificate = z.strictObject({
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
});

const serverTls = z.strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: tlsMode.optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: z.array(z.string()).max(2).optional(),
  tlsCertificates: z.array(tlsCertificate).max(2).optional(),
  caCertCredentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: tlsVersion.optional(),
  maxProtocolVersion: tlsVersion.optional(),
  cipherSuites: z.array(z.string()).optional(),
}).refine(
  (t) => [t.credentialName, t.credentialNames, t.tlsCertificates].filter((v) => v !== undefined).length <= 1,
  { message: "only one of credentialName or credentialNames can be set" },
);

const port = z.strictObject({
  number: uint32,
  protocol: z.string(),
  name: z.string().optional(),
  targetPort: uint32.optional(),
});

const server = z.strictObject({
  port,
  bind: z.string().optional(),
  hosts: z.array(z.string()).optional(),
  tls: serverTls.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});

const gatewaySpec = z.strictObject({
  servers: z.array(server).optional(),
  selector: stringMap.optional(),
});

/** Protocols a Gateway server port may declare (`protocol.Parse`, case-insensitive). */
export const SERVER_PROTOCOLS = [
  "HTTP",
  "HTTPS",
  "GRPC",
  "GRPC-WEB",
  "HTTP2",
  "MONGO",
  "TCP",
  "TLS",
  "REDIS",
  "MYSQL",
];

const HTTP_PROTOCOLS = ["HTTP", "HTTP2", "GRPC", "GRPC-WEB"];

/** The Gateway kind. */
export const gatewayKind = defineKind({
  kind: "Gateway",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: gatewaySpec,
  specRequired: true,
  rules: validateGateway,
});

/** A Gateway spec as validated. */
export type GatewaySpec = z.output<typeof gatewaySpec>;
/** One server of a Gateway. */
export type GatewayServer = z.output<typeof server>;
/** A Gateway server's TLS settings. */
export type ServerTLSSettings = z.output<typeof serverTls>;

function validateGateway(spec: GatewaySpec, ctx: RuleContext): void {
  const servers = spec.servers ?? [];
  if (servers.length === 0) ctx.report(["servers"], "gateway must have at least one server");
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const at = ["servers", i] as const;
    const hosts = s.hosts ?? [];
    if (hosts.length === 0) ctx.report([...at, "hosts"], "server config must contain at least one host");
    hosts.forEach((h, j) => validateGatewayHost(h, hosts, [...at, "hosts", j], ctx));
    validateServerPort(s, [...at, "port"], ctx);
    if (s.port.name) {
      if (portNames.has(s.port.name)) {
        ctx.report(
          [...at, "port", "name"],
          `port names in servers must be unique: duplicate name ${s.port.name}`,
        );
      }
      portNames.add(s.port.name);
    }
    if (s.bind !== undefined) validateBind(s.bind, [...at, "bind"], ctx);
    validateServerTls(s, [...at, "tls"], ctx);
  });
}

function validateServerPort(s: GatewayServer, at: readonly (string | number)[], ctx: RuleContext): void {
  const protocol = s.port.protocol.toUpperCase();
  if (!SERVER_PROTOCOLS.includes(protocol)) {
    ctx.report(
      [...at, "protocol"],
      `invalid protocol "${s.port.protocol}", supported protocols are ${SERVER_PROTOCOLS.join(", ")}`,
    );
  }
  if (!(s.bind ?? "").startsWith("unix://") || s.port.number !== 0) {
    validatePortNumber(s.port.number, [...at, "number"], ctx);
  }
  if (!s.port.name) ctx.report([...at, "name"], "port name must be set");
}

function validateBind(bind: string, at: readonly (string | number)[], ctx: RuleContext): void {
  if (bind.startsWith("unix://")) {
    if (!bind.slice("unix://".length).startsWith("/") && !bind.slice("unix://".length).startsWith("@")) {
      ctx.report(at, "UDS must be an absolute path or abstract socket");
    }
    return;
  }
  if (!isIpAddress(bind)) ctx.report(at, `bind address "${bind}" is not a valid IP address`);
}

function validateServerTls(s: GatewayServer, at: readonly (string | number)[], ctx: RuleContext): void {
  const protocol = s.port.protocol.toUpperCase();
  const tls = s.tls;
  const isTlsProtocol = protocol === "HTTPS" || protocol === "TLS";
  if (isTlsProtocol && tls === undefined) {
    ctx.report(at, "server must have TLS settings for HTTPS/TLS protocols");
    return;
  }
  if (tls === undefined) return;
  if (!isTlsProtocol && !tls.httpsRedirect) {
    const message = HTTP_PROTOCOLS.includes(protocol)
      ? "server cannot have TLS settings for plain text HTTP ports"
      : "server cannot have TLS settings for non HTTPS/TLS ports";
    ctx.report(at, message);
    return;
  }
  if (tls.httpsRedirect && !HTTP_PROTOCOLS.includes(protocol)) {
    ctx.report([...at, "httpsRedirect"], "tls.httpsRedirect should only be used with http servers");
  }
  if (!isTlsProtocol) return;
  const mode = tls.mode ?? "PASSTHROUGH";
  const hasFiles = !!(tls.serverCertificate || tls.privateKey);
  const credentialSources = [
    !!tls.credentialName,
    (tls.credentialNames?.length ?? 0) > 0,
    hasFiles,
    (tls.tlsCertificates?.length ?? 0) > 0,
  ].filter(Boolean).length;
  if (credentialSources > 1) {
    ctx.report(
      at,
      "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified",
    );
  }
  if (mode === "ISTIO_MUTUAL") {
    if (tls.serverCertificate) {
      ctx.report([...at, "serverCertificate"], "ISTIO_MUTUAL TLS cannot have associated server certificate");
    }
    if (tls.privateKey) {
      ctx.report([...at, "privateKey"], "ISTIO_MUTUAL TLS cannot have associated private key");
    }
    if (tls.caCertificates) {
      ctx.report([...at, "caCertificates"], "ISTIO_MUTUAL TLS cannot have associated CA bundle");
    }
    if (tls.credentialName) {
      ctx.report([...at, "credentialName"], "ISTIO_MUTUAL TLS cannot have associated credentialName");
    }
    return;
  }
  if (mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") {
    const hasCredential = !!tls.credentialName || (tls.credentialNames?.length ?? 0) > 0 ||
      (tls.tlsCertificates?.length ?? 0) > 0;
    if (!hasCredential) {
      if (!tls.serverCertificate) ctx.report(at, `${mode} requires a server certificate`);
      if (!tls.privateKey) ctx.report(at, `${mode} requires a private key`);
      if (mode !== "SIMPLE" && !tls.caCertificates) {
        ctx.report(at, `${mode} requires a client CA bundle`);
      }
    }
    if (mode === "SIMPLE" && tls.caCrl) ctx.report([...at, "caCrl"], "CRL is not supported with SIMPLE TLS");
  }
}
