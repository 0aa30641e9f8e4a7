/**
 * Istio's merge of the applicable `accessLogging` configs (`mergeLogs`) for the gateway's workload mode
 * (CLIENT): the providers named at the most specific level that names any are in scope; each entry then
 * enables its providers (with the filter last given for that provider) or, when `disabled`, turns them off.
 * @module
 */
import type { AccessLogging } from "../../config/kinds/telemetry/telemetry.ts";

/** The outcome for one provider. */
export interface ProviderLogging {
  readonly disabled: boolean;
  /** CEL filter expression, when one applies. */
  readonly filter?: string;
}

/** Merges the access-logging levels over the default providers; keyed by provider name. */
export function mergeLogs(
  levels: readonly (readonly AccessLogging[])[],
  defaultProviders: readonly string[],
): Map<string, ProviderLogging> {
  const out = new Map<string, ProviderLogging>();
  if (levels.length === 0) {
    for (const p of defaultProviders) out.set(p, { disabled: false });
    return out;
  }
  let names: readonly string[] = defaultProviders;
  const filters = new Map<string, ProviderLogging>();
  for (const level of levels) {
    const named = new Set<string>();
    for (const entry of level) {
      if (!forClient(entry)) continue;
      for (const p of providerNames(entry)) {
        named.add(p);
        filters.set(p, { disabled: false, filter: entry.filter?.expression });
      }
    }
    if (named.size > 0) names = [...named];
  }
  const inScope = new Set(names);

  let parent: readonly string[] = defaultProviders;
  for (const level of levels) {
    for (const entry of level) {
      const own = providerNames(entry);
      const current = own.length > 0 ? own : parent;
      parent = current;
      for (const provider of current) {
        if (!inScope.has(provider) || !forClient(entry)) continue;
        if (entry.disabled === true) out.set(provider, { disabled: true });
        else out.set(provider, filters.get(provider) ?? { disabled: false });
      }
    }
  }
  return out;
}

function providerNames(entry: AccessLogging): readonly string[] {
  return (entry.providers ?? []).map((p) => p.name);
}

/** Istio's `matchWorkloadMode` for CLIENT. */
function forClient(entry: AccessLogging): boolean {
  const mode = entry.match?.mode;
  return mode === undefined || mode === "CLIENT_AND_SERVER" || mode === "CLIENT";
}
