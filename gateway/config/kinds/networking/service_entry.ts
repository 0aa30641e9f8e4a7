/**
 * `networking.istio.io` ServiceEntry: the schema of its spec (istio/api `service_entry.proto` as the CRD serves
 * it, with its CEL rules) and the webhook's rules for it. Also the endpoint shape shared with WorkloadEntry.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import { exportTo, uint32 } from "../../schema/common.ts";
import { celMessage } from "./destination_rule.ts";
import { validateServiceEntry } from "./service_entry_rules.ts";

const tooLong = (max: number) => ({ error: () => `Too long: may not be more than ${max} bytes` });
const tooMany = (max: number) => ({ error: () => `Too many: must have at most ${max} items` });

/** A port number with the CRD's CEL rule `0 < self && self <= 65535`. */
const celPort = uint32.refine((n) => n > 0 && n <= 65535, {
  message: celMessage("integer", "port must be between 1-65535"),
});

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** `WorkloadEntry` as a ServiceEntry endpoint and as the WorkloadEntry spec, with the CRD's CEL rules. */
export const workloadEntryBody = z.strictObject({
  address: z.string().max(256, tooLong(256))
    .refine((a) => !a.startsWith("unix://") || a[7] === "/" || a[7] === "@", {
      message: celMessage("string", "UDS must be an absolute path or abstract socket"),
    })
    .refine((a) => !a.startsWith("unix://") || !a.endsWith("/"), {
      message: celMessage("string", "UDS may not be a dir"),
    }).optional(),
  ports: z.record(z.string(), celPort).superRefine((ports, ctx) => {
    const names = Object.keys(ports);
    if (names.length > 128) ctx.addIssue({ code: "custom", message: tooMany(128).error() });
    if (!names.every((k) => k.length < 63 && PORT_NAME.test(k))) {
      ctx.addIssue({ code: "custom", message: celMessage("object", "port name must be valid") });
    }
  }).optional(),
  labels: z.record(z.string(), z.string()).refine((l) => Object.keys(l).length <= 256, {
    message: tooMany(256).error(),
  }).optional(),
  network: z.string().max(2048, tooLong(2048)).optional(),
  locality: z.string().max(2048, tooLong(2048)).optional(),
  weight: uint32.optional(),
  serviceAccount: z.string().max(253, tooLong(253)).optional(),
}).superRefine((we, ctx) => {
  if (we.address === undefined && we.network === undefined) {
    ctx.addIssue({ code: "custom", message: celMessage("object", "Address is required") });
  }
  if ((we.address ?? "").startsWith("unix://") && we.ports !== undefined) {
    ctx.addIssue({ code: "custom", message: celMessage("object", "UDS may not include ports") });
  }
});

/** `networking.v1alpha3.WorkloadSelector` (`labels`), as ServiceEntry and Sidecar use it. */
export const labelsSelector = z.strictObject({
  labels: z.record(
    z.string(),
    z.string().max(63, tooLong(63)).refine((v) => !v.includes("*"), {
      message: celMessage("string", "wildcard is not supported in selector"),
    }),
  ).refine((l) => Object.keys(l).length <= 256, { message: tooMany(256).error() }).optional(),
});

/**
 * An `addresses` entry. go-yaml, which Kubernetes uses, reads a plain scalar such as `001:db8::` in a flow
 * sequence as the string itself; a YAML 1.2 parser reads it as the one-pair map `{"001:db8:": null}`, so such a
 * map is taken back as the string go-yaml would have produced.
 */
const address = z.preprocess((v) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const entries = Object.entries(v);
  return entries.length === 1 && entries[0][1] === null ? `${entries[0][0]}:` : v;
}, z.string().max(64, tooLong(64)));

const servicePort = z.strictObject({
  number: celPort,
  protocol: z.string().max(256, tooLong(256)).optional(),
  name: z.string().max(256, tooLong(256)),
  targetPort: celPort.optional(),
});

const serviceEntrySpec = z.strictObject({
  hosts: z.array(
    z.string().refine((h) => h !== "*", { message: celMessage("string", "hostname cannot be wildcard") }),
  ).min(1, {
    error: (iss) => `Invalid value: ${(iss.input as unknown[]).length}: should have at least 1 items`,
  })
    .max(256, tooMany(256)),
  addresses: z.array(address).max(256, tooMany(256)).optional(),
  ports: z.array(servicePort).max(256, tooMany(256)).superRefine((ports, ctx) => {
    const names = new Set<string>();
    ports.forEach((p, i) => {
      if (names.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `Duplicate value: ${JSON.stringify({ name: p.name })}`,
        });
      }
      names.add(p.name);
    });
    if (!ports.every((p) => ports.filter((q) => q.number === p.number).length === 1)) {
      ctx.addIssue({ code: "custom", message: celMessage("array", "port number cannot be duplicated") });
    }
  }).optional(),
  location: z.enum(["MESH_EXTERNAL", "MESH_INTERNAL"]).optional(),
  resolution: z.enum(["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"]).optional(),
  endpoints: z.array(workloadEntryBody).max(4096, tooMany(4096)).optional(),
  workloadSelector: labelsSelector.optional(),
  exportTo: exportTo.optional(),
  subjectAltNames: z.array(z.string()).optional(),
}).superRefine((se, ctx) => {
  const cel = (message: string) => ctx.addIssue({ code: "custom", message: celMessage("object", message) });
  const resolution = se.resolution ?? "NONE";
  if (se.workloadSelector !== undefined && se.endpoints !== undefined) {
    cel("only one of WorkloadSelector or Endpoints can be set");
  }
  if ((se.addresses ?? []).some((a) => a.includes("/")) && resolution !== "STATIC" && resolution !== "NONE") {
    cel("CIDR addresses are allowed only for NONE/STATIC resolution types");
  }
  if (resolution === "NONE" && se.endpoints !== undefined) cel("NONE mode cannot set endpoints");
  if (resolution === "DNS_ROUND_ROBIN" && (se.endpoints ?? []).length > 1) {
    cel("DNS_ROUND_ROBIN mode cannot have multiple endpoints");
  }
});

/** The ServiceEntry kind. */
export const serviceEntryKind = defineKind({
  kind: "ServiceEntry",
  group: "networking.istio.io",
  versions: ["v1", "v1beta1", "v1alpha3"],
  schema: serviceEntrySpec,
  specRequired: true,
  rules: validateServiceEntry,
});

/** A ServiceEntry spec as validated. */
export type ServiceEntrySpec = z.output<typeof serviceEntrySpec>;
/** One port of a ServiceEntry. */
export type ServicePort = z.output<typeof servicePort>;
/** One endpoint of a ServiceEntry; also the body of a WorkloadEntry. */
export type WorkloadEntryBody = z.output<typeof workloadEntryBody>;
