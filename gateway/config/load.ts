/**
 * Loading config the way `kubectl apply -f` takes it: files and folders (recursively, `*.yaml`/`*.yml`),
 * multi-document YAML, `List` objects; each Istio resource validated by its kind, other Kubernetes objects
 * skipped with a note.
 * @module
 */
import { type Diagnostic, fileDiagnostic } from "./diagnostics.ts";
import { addResource, type ConfigSet, emptyConfigSet } from "./config_set.ts";
import { findKind, isIstioGroup } from "./kinds/mod.ts";
import { validateResource } from "./validate_resource.ts";
import { parseYamlFile, type YamlDocument } from "./yaml_document.ts";
import type { FieldPath } from "./diagnostics.ts";
import { analyzeConfig } from "./analyze.ts";

/** Everything a load produced: the valid resources and all findings. */
export interface LoadResult {
  readonly config: ConfigSet;
  readonly diagnostics: Diagnostic[];
  /** The files read, in order. */
  readonly files: string[];
}

/** One input text, as read from disk or embedded. */
export interface ConfigText {
  readonly file: string;
  readonly text: string;
}

/** Lists the YAML files under the given paths: files as given, folders recursively, sorted by path. */
export async function expandConfigPaths(
  paths: readonly string[],
): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (e) {
      diagnostics.push(fileDiagnostic(path, `cannot read: ${(e as Error).message}`));
      continue;
    }
    if (info.isDirectory) files.push(...(await listYaml(path)).sort());
    else files.push(path);
  }
  return { files, diagnostics };
}

async function listYaml(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    // Kubernetes ConfigMap volumes keep timestamped copies in `..2024_…` folders next to the `..data` link.
    if (entry.name.startsWith("..") && entry.name !== "..data") continue;
    const path = `${dir.replace(/\/$/, "")}/${entry.name}`;
    let isDir = entry.isDirectory;
    if (entry.isSymlink) {
      try {
        isDir = (await Deno.stat(path)).isDirectory;
      } catch {
        continue; // a dangling link, e.g. mid ConfigMap swap
      }
    }
    if (isDir) out.push(...await listYaml(path));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(path);
  }
  return out;
}

/** Reads every YAML file under `paths`; files that cannot be read are reported, not thrown. */
export async function readConfigPaths(
  paths: readonly string[],
): Promise<{ texts: ConfigText[]; diagnostics: Diagnostic[] }> {
  const { files, diagnostics } = await expandConfigPaths(paths);
  const texts: ConfigText[] = [];
  for (const file of files) {
    try {
      texts.push({ file, text: await Deno.readTextFile(file) });
    } catch (e) {
      diagnostics.push(fileDiagnostic(file, `cannot read: ${(e as Error).message}`));
    }
  }
  return { texts, diagnostics };
}

/** Reads, parses and validates every file under `paths`. */
export async function loadConfigPaths(paths: readonly string[]): Promise<LoadResult> {
  const { texts, diagnostics } = await readConfigPaths(paths);
  const result = loadConfigTexts(texts);
  return { ...result, diagnostics: [...diagnostics, ...result.diagnostics] };
}

/** Parses and validates config texts, in order; never throws on bad input. */
export function loadConfigTexts(texts: readonly ConfigText[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const config = emptyConfigSet();
  let order = 0;
  for (const { file, text } of texts) {
    const parsed = parseYamlFile(file, text);
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      const objects = listObjects(doc, doc.value, [], diagnostics);
      for (const { value, path } of objects) {
        const resource = loadObject(doc, value, path, order++, diagnostics);
        if (resource) addResource(config, resource);
      }
    }
  }
  analyzeConfig(config, diagnostics);
  return { config, diagnostics, files: texts.map((t) => t.file) };
}

/** A document's Kubernetes objects: itself, or the items of a `List`. */
function listObjects(
  doc: YamlDocument,
  value: unknown,
  path: FieldPath,
  out: Diagnostic[],
): { value: Record<string, unknown>; path: FieldPath }[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out.push({
      severity: "error",
      file: doc.file,
      ...doc.position(path),
      resource: "",
      path: "",
      message: "a document must be a Kubernetes object (a map with apiVersion and kind)",
    });
    return [];
  }
  const obj = value as Record<string, unknown>;
  if (obj.kind === "List" && Array.isArray(obj.items)) {
    return obj.items.flatMap((item, i) => listObjects(doc, item, [...path, "items", i], out));
  }
  return [{ value: obj, path }];
}

function loadObject(
  doc: YamlDocument,
  value: Record<string, unknown>,
  path: FieldPath,
  order: number,
  out: Diagnostic[],
) {
  const at = (field: string) => ({ file: doc.file, ...doc.position([...path, field]) });
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== "string" || apiVersion === "") {
    out.push({
      severity: "error",
      ...at("apiVersion"),
      resource: "",
      path: "apiVersion",
      message: "Required value",
    });
    return undefined;
  }
  if (typeof kind !== "string" || kind === "") {
    out.push({ severity: "error", ...at("kind"), resource: "", path: "kind", message: "Required value" });
    return undefined;
  }
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
  const def = findKind(group, kind);
  if (!def) {
    const what = isIstioGroup(group)
      ? `Istio kind ${kind} is not used by Portcullis`
      : `${apiVersion} ${kind} is not an Istio kind`;
    const name = (value.metadata as { name?: unknown } | undefined)?.name;
    out.push({
      severity: "note",
      ...at("kind"),
      resource: typeof name === "string" ? `${kind} ${name}` : kind,
      path: "",
      message: `skipped: ${what}`,
    });
    return undefined;
  }
  if (!def.versions.includes(version)) {
    out.push({
      severity: "error",
      ...at("apiVersion"),
      resource: "",
      path: "apiVersion",
      message: `no matches for kind "${kind}" in version "${apiVersion}" (served: ${
        def.versions.map((v) => `${group}/${v}`).join(", ")
      })`,
    });
    return undefined;
  }
  return validateResource(doc, value, path, def, order, out);
}
