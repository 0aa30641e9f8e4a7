/**
 * `networking.istio.io` Sidecar: the schema of its spec (istio/api `sidecar.proto` as the CRD serves it, with
 * its CEL rules) and the webhook's rules for it.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import { uint32 } from "../../schema/common.ts";
import { celMessage, connectionPoolSettings } from "./destination_rule.ts";
import { labelsSelector } from "./service_entry.ts";
import { validateSidecar } from "./sidecar_rules.ts";

const tlsVersion = z.enum(["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]);

/** An array of one or two items, as `credentialNames` and `tlsCertificates` allow. */
function oneOrTwo<T extends z.ZodType>(item: T) {
  return z.array(item)
    .min(1, {
      error: (iss) => `Invalid value: ${(iss.input as unknown[]).length}: should have at least 1 items`,
    })
    .max(2, { error: (iss) => `Too many: ${(iss.input as unknown[]).length}: must have at most 2 items` });
}

/** `ServerTLSSettings` as the Sidecar CRD serves it for ingress listeners. */
const serverTls = z.strictObject({
  mode: z.enum(["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"])
    .optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: oneOrTwo(z.string()).optional(),
  tlsCertificates: oneOrTwo(z.strictObject({
    serverCertificate: z.string().optional(),
    privateKey: z.string().optional(),
    caCertificates: z.string().optional(),
  })).optional(),
  caCertCredentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: tlsVersion.optional(),
  maxProtocolVersion: tlsVersion.optional(),
  cipherSuites: z.array(z.string()).optional(),
  ecdhCurves: z.array(z.string()).optional(),
  insecureSkipVerify: z.boolean().nullable().optional(),
}).superRefine((t, ctx) => {
  const cel = (message: string) => ctx.addIssue({ code: "custom", message: celMessage("object", message) });
  const has = (v: unknown) => (v !== undefined ? 1 : 0);
  if (has(t.tlsCertificates) + has(t.credentialNames) > 1) {
    cel("only one of credentialNames or tlsCertificates can be set");
  }
  if (has(t.credentialName) + has(t.credentialNames) > 1) {
    cel("only one of credentialName or credentialNames can be set");
  }
  // The CRD's third rule repeats the first (credentialNames with tlsCertificates) under another message.
  if (has(t.credentialNames) + has(t.tlsCertificates) > 1) {
    cel("only one of credentialName or tlsCertificates can be set");
  }
});

const sidecarPort = z.strictObject({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  targetPort: uint32.optional(),
});

const captureMode = z.enum(["DEFAULT", "IPTABLES", "NONE"]);

const ingressListener = z.strictObject({
  port: sidecarPort,
  bind: z.string().optional(),
  captureMode: captureMode.optional(),
  defaultEndpoint: z.string().optional(),
  tls: serverTls.optional(),
  connectionPool: connectionPoolSettings.optional(),
});

const egressListener = z.strictObject({
  port: sidecarPort.optional(),
  bind: z.string().optional(),
  captureMode: captureMode.optional(),
  hosts: z.array(z.string()),
});

const outboundTrafficPolicy = z.strictObject({
  mode: z.enum(["REGISTRY_ONLY", "ALLOW_ANY"]).optional(),
  egressProxy: z.strictObject({
    host: z.string(),
    subset: z.string().optional(),
    port: z.strictObject({ number: uint32.optional() }).optional(),
  }).optional(),
});

const sidecarSpec = z.strictObject({
  workloadSelector: labelsSelector.optional(),
  ingress: z.array(ingressListener).optional(),
  egress: z.array(egressListener).optional(),
  inboundConnectionPool: connectionPoolSettings.optional(),
  outboundTrafficPolicy: outboundTrafficPolicy.optional(),
});

/** The Sidecar kind. */
export const sidecarKind = defineKind({
  kind: "Sidecar",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: sidecarSpec,
  // The CRD does not require `spec`; the webhook rejects an empty one ("sidecar: empty configuration provided").
  specRequired: false,
  rules: validateSidecar,
});

/** A Sidecar spec as validated. */
export type SidecarSpec = z.output<typeof sidecarSpec>;
/** One inbound listener of a Sidecar. */
export type SidecarIngressListener = z.output<typeof ingressListener>;
/** One outbound listener of a Sidecar. */
export type SidecarEgressListener = z.output<typeof egressListener>;
/** Server-side TLS of a Sidecar ingress listener. */
export type SidecarServerTLSSettings = z.output<typeof serverTls>;
