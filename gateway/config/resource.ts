/**
 * The validated form of one Kubernetes-style Istio resource: metadata plus a typed spec.
 * @module
 */
import type { Diagnostic, Severity } from "./diagnostics.ts";

/** Where a resource was written. */
export interface SourceLocation {
  readonly file: string;
  /** 0-based document index within the file. */
  readonly document: number;
  readonly line: number;
  readonly col: number;
}

/** Kubernetes metadata that matters to a gateway, with Istio's defaults applied. */
export interface ResourceMeta {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  /** `default` when the YAML gives none, as `kubectl apply` does. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC 3339 creation time, when the YAML carries one (exported objects do). */
  readonly creationTimestamp?: string;
  /** Position of the resource in the load order; stands in for creation time (files in path order). */
  readonly order: number;
  readonly source: SourceLocation;
}

/** A resource whose spec passed validation. */
export interface Resource<Spec> {
  readonly meta: ResourceMeta;
  readonly spec: Spec;
}

/** `Kind namespace/name`, the way diagnostics and logs name a resource. */
export function describeResource(meta: Pick<ResourceMeta, "kind" | "namespace" | "name">): string {
  return `${meta.kind} ${meta.namespace}/${meta.name}`;
}

/**
 * Orders resources as Istio does when it merges them: by creation time, then name, then namespace. Resources
 * without a creation time keep their load order after those that have one.
 */
export function compareByCreation(a: ResourceMeta, b: ResourceMeta): number {
  const ta = a.creationTimestamp ? Date.parse(a.creationTimestamp) : NaN;
  const tb = b.creationTimestamp ? Date.parse(b.creationTimestamp) : NaN;
  if (!Number.isNaN(ta) || !Number.isNaN(tb)) {
    if (Number.isNaN(ta)) return 1;
    if (Number.isNaN(tb)) return -1;
    if (ta !== tb) return ta - tb;
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  }
  return a.order - b.order;
}

/** A diagnostic about a whole resource, placed at the start of its document. */
export function resourceDiagnostic(
  meta: ResourceMeta,
  severity: Severity,
  path: string,
  message: string,
): Diagnostic {
  const { file, line, col } = meta.source;
  return { severity, file, line, col, resource: describeResource(meta), path, message };
}
