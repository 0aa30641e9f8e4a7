/**
 * Reads a mesh config file (`--mesh FILE`) into a {@link MeshConfig} with Istio's defaults applied, reporting
 * every problem as a located diagnostic instead of throwing.
 * @module
 */
import { type Diagnostic, fileDiagnostic } from "../diagnostics.ts";
import { buildMesh } from "./build.ts";
import { Context } from "./context.ts";
import { DEFAULT_MESH_CONFIG } from "./defaults.ts";
import { findMeshSource } from "./source.ts";
import type { MeshConfig } from "./types.ts";

/**
 * Parses a mesh config file's text (see mod.ts for the accepted shapes) and applies Istio's defaults.
 * Never throws: problems come back as diagnostics with file, line and column, and the fields in error keep their
 * defaults. Callers should refuse to start when any diagnostic is an error.
 */
export function parseMeshConfig(file: string, text: string): { mesh: MeshConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  try {
    const source = findMeshSource(file, text, diagnostics);
    if (source === undefined) return { mesh: DEFAULT_MESH_CONFIG, diagnostics };
    const ctx = new Context(file, source, diagnostics);
    return { mesh: buildMesh(ctx), diagnostics };
  } catch (e) {
    // A bug in this module must not take the gateway down with a stack trace.
    diagnostics.push(fileDiagnostic(file, `internal error reading mesh config: ${(e as Error).message}`));
    return { mesh: DEFAULT_MESH_CONFIG, diagnostics };
  }
}

/** Reads and parses the mesh config file at `path`. */
export async function loadMeshConfigFile(
  path: string,
): Promise<{ mesh: MeshConfig; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return {
      mesh: DEFAULT_MESH_CONFIG,
      diagnostics: [fileDiagnostic(path, `cannot read mesh config: ${(e as Error).message}`)],
    };
  }
  return parseMeshConfig(path, text);
}
