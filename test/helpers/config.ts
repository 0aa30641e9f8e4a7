/**
 * Test helpers for config: load YAML text and look at what validation said.
 * @module
 */
import type { Diagnostic } from "../../gateway/config/diagnostics.ts";
import { formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import { loadConfigTexts, type LoadResult } from "../../gateway/config/load.ts";
import { DEFAULT_MESH_CONFIG } from "../../gateway/config/mesh/mod.ts";
import { compileSnapshot } from "../../gateway/compile/snapshot.ts";
import type { MatchInput, RouteEntry, Snapshot } from "../../gateway/compile/types.ts";

/** Loads one YAML text (any number of documents) as the file `test.yaml`. */
export function loadYaml(text: string, file = "test.yaml"): LoadResult {
  return loadConfigTexts([{ file, text }]);
}

/** The errors of a load, formatted as `validate` prints them. */
export function errorsOf(result: LoadResult): string[] {
  return result.diagnostics.filter((d: Diagnostic) => d.severity === "error").map(formatDiagnostic);
}

/** The warnings of a load, formatted as `validate` prints them. */
export function warningsOf(result: LoadResult): string[] {
  return result.diagnostics.filter((d: Diagnostic) => d.severity === "warning").map(formatDiagnostic);
}

/** Loads YAML (which must be valid) and compiles it for a gateway labelled `istio=ingressgateway` in istio-system. */
export function compileYaml(text: string, identity = DEFAULT_IDENTITY): Snapshot {
  const loaded = loadYaml(text);
  const errors = errorsOf(loaded);
  if (errors.length > 0) throw new Error(`config has errors:\n${errors.join("\n")}`);
  return compileSnapshot(loaded.config, {
    mesh: DEFAULT_MESH_CONFIG,
    identity,
    warnings: loaded.diagnostics,
  });
}

/** The identity test gateways run with. */
export const DEFAULT_IDENTITY = { labels: { istio: "ingressgateway" }, namespace: "istio-system" };

/** A MatchInput for a GET of `path` with the given headers. */
export function request(
  authority: string,
  path: string,
  headers: Record<string, string> = {},
  port = 80,
): MatchInput {
  const [p, q] = path.split("?");
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: "GET",
    path: p,
    query: q ?? "",
    header: (n) => lower.get(n) ?? null,
    authority,
    scheme: "http",
    port,
  };
}

/** The route a request selects in a snapshot's route table, or undefined (404). */
export function routeFor(snapshot: Snapshot, table: string, input: MatchInput): RouteEntry | undefined {
  return snapshot.routeTables.get(table)?.lookup(input.authority)?.routes.find((r) => r.match.test(input));
}
