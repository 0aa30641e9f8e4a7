/**
 * Turns one YAML document into a validated resource: Kubernetes envelope checks, the kind's schema, then its
 * semantic rules, with every finding located in the source.
 * @module
 */
import { type Diagnostic, type FieldPath, formatPath, type Severity } from "./diagnostics.ts";
import type { KindDefinition } from "./kind.ts";
import { describeResource, type Resource, type ResourceMeta } from "./resource.ts";
import { reportZodIssue } from "./schema/issues.ts";
import type { YamlDocument } from "./yaml_document.ts";

/** Validates a document against its kind definition; returns the resource when no error was found. */
export function validateResource(
  doc: YamlDocument,
  value: Record<string, unknown>,
  basePath: FieldPath,
  kind: KindDefinition,
  order: number,
  out: Diagnostic[],
): Resource<unknown> | undefined {
  const envelope = readMetadata(value, kind.kind, String(value.apiVersion));
  const provisional = {
    kind: kind.kind,
    namespace: envelope.namespace ?? "default",
    name: envelope.name ?? "<unnamed>",
  };
  const resourceName = describeResource(provisional);
  let failed = false;
  const report = (path: FieldPath, message: string, severity: Severity = "error", atKey = false) => {
    if (severity === "error") failed = true;
    const at = doc.position([...basePath, ...path], atKey);
    out.push({ severity, file: doc.file, ...at, resource: resourceName, path: formatPath(path), message });
  };
  for (const problem of envelope.problems) report(problem.path, problem.message);

  const start = doc.position(basePath);
  const meta: ResourceMeta = {
    kind: kind.kind,
    apiVersion: String(value.apiVersion),
    name: provisional.name,
    namespace: provisional.namespace,
    labels: envelope.labels,
    annotations: envelope.annotations,
    creationTimestamp: envelope.creationTimestamp,
    order,
    source: { file: doc.file, document: doc.index, ...start },
  };

  if (!("spec" in value) || value.spec === undefined) {
    if (kind.specRequired) report(["spec"], "Required value");
  }
  if (value.spec === null) report(["spec"], 'must be of type object: "null"');
  const rawSpec = value.spec ?? {};
  const parsed = kind.schema.safeParse(rawSpec, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportZodIssue(issue, ["spec"], report);
    return undefined;
  }
  kind.rules?.(parsed.data, {
    meta,
    report: (path, message, severity) => report(["spec", ...path], message, severity),
  });
  for (const key of Object.keys(value)) {
    if (!["apiVersion", "kind", "metadata", "spec", "status"].includes(key)) {
      report([key], `unknown field "${key}"`, "error", true);
    }
  }
  return failed ? undefined : { meta, spec: parsed.data };
}

interface Envelope {
  name?: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
  problems: { path: FieldPath; message: string }[];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function readMetadata(value: Record<string, unknown>, kind: string, apiVersion: string): Envelope {
  const problems: Envelope["problems"] = [];
  const env: Envelope = { labels: {}, annotations: {}, problems };
  const md = value.metadata;
  if (md === undefined || md === null || typeof md !== "object" || Array.isArray(md)) {
    problems.push({ path: ["metadata"], message: `${kind} ${apiVersion} needs metadata with a name` });
    return env;
  }
  const m = md as Record<string, unknown>;
  if (typeof m.name === "string" && m.name !== "") {
    env.name = m.name;
    if (m.name.length > 253 || !DNS1123_SUBDOMAIN.test(m.name)) {
      problems.push({
        path: ["metadata", "name"],
        message: `Invalid value: "${m.name}": must be a lowercase RFC 1123 subdomain`,
      });
    }
  } else if (typeof m.generateName === "string") {
    problems.push({
      path: ["metadata", "generateName"],
      message: "generateName is not supported; set a name",
    });
  } else {
    problems.push({ path: ["metadata", "name"], message: "Required value: name is required" });
  }
  if (m.namespace !== undefined) {
    if (typeof m.namespace === "string" && m.namespace !== "") env.namespace = m.namespace;
    else problems.push({ path: ["metadata", "namespace"], message: "must be a non-empty string" });
  }
  env.labels = readStringMap(m.labels, ["metadata", "labels"], problems);
  env.annotations = readStringMap(m.annotations, ["metadata", "annotations"], problems);
  if (m.creationTimestamp !== undefined && m.creationTimestamp !== null) {
    const ts = m.creationTimestamp instanceof Date
      ? m.creationTimestamp.toISOString()
      : String(m.creationTimestamp);
    if (Number.isNaN(Date.parse(ts))) {
      problems.push({ path: ["metadata", "creationTimestamp"], message: "must be an RFC 3339 time" });
    } else env.creationTimestamp = ts;
  }
  return env;
}

function readStringMap(v: unknown, path: FieldPath, problems: Envelope["problems"]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    problems.push({ path, message: "must be a map of strings" });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
    else problems.push({ path: [...path, k], message: "must be a string" });
  }
  return out;
}
