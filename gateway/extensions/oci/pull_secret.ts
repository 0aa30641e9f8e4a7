/**
 * A WasmPlugin's `imagePullSecret`. Istio reads a `kubernetes.io/dockerconfigjson` Secret of that name from the
 * plugin's namespace; here Secrets come from the folder given with `--wasm-credentials DIR`, at
 * `DIR/<namespace>/<secret name>`, which is one of:
 * - the Secret manifest (YAML or JSON, as `kubectl get secret NAME -o yaml` prints it), `data` base64 or
 *   `stringData`;
 * - the Docker config JSON itself (`{"auths": {...}}`);
 * - a folder holding a `.dockerconfigjson` file (a Secret mounted as a volume).
 * The file is read on every pull, so a changed Secret applies to the next pull.
 * @module
 */
import { parse } from "yaml";
import { ModuleFetchError } from "../module_error.ts";

const SECRET_TYPE = "kubernetes.io/dockerconfigjson";
const DOCKER_CONFIG_KEY = ".dockerconfigjson";
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The secret's name as Istio resolves `imagePullSecret`: a `kubernetes://` prefix and a namespace part are
 * allowed, but the Secret is always looked up in the plugin's own namespace.
 */
export function pullSecretName(imagePullSecret: string): string {
  const parts = imagePullSecret.replace(/^kubernetes:\/\//, "").split("/");
  const name = parts.length <= 2 ? parts.at(-1)! : "";
  if (!SECRET_NAME.test(name)) {
    throw new ModuleFetchError(`malformed image pull secret name ${JSON.stringify(imagePullSecret)}`);
  }
  return name;
}

/** The Docker config JSON of Secret `namespace/imagePullSecret` in `credentialsDir`; throws when missing. */
export async function readPullSecret(
  credentialsDir: string | undefined,
  namespace: string,
  imagePullSecret: string,
): Promise<string> {
  const name = pullSecretName(imagePullSecret);
  const missing = (why: string) =>
    new ModuleFetchError(`missing image pulling secret ${namespace}/${name}: ${why}`);
  if (credentialsDir === undefined) throw missing("no credentials folder (--wasm-credentials DIR)");
  const path = `${credentialsDir}/${namespace}/${name}`;
  let text: string;
  try {
    const info = await Deno.stat(path);
    text = await Deno.readTextFile(info.isDirectory ? `${path}/${DOCKER_CONFIG_KEY}` : path);
  } catch (e) {
    throw missing(`cannot read ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw missing(`${path} is neither a Secret nor a docker config: ${(e as Error).message}`);
  }
  const obj = (doc ?? {}) as Record<string, unknown>;
  if (obj.kind !== "Secret") {
    if (typeof obj.auths !== "object") throw missing(`${path} is neither a Secret nor a docker config`);
    return text;
  }
  if (obj.type !== SECRET_TYPE) {
    throw missing(`type of secret ${namespace}/${name} is not ${SECRET_TYPE}`);
  }
  const stringData = (obj.stringData ?? {}) as Record<string, unknown>;
  if (typeof stringData[DOCKER_CONFIG_KEY] === "string") return stringData[DOCKER_CONFIG_KEY] as string;
  const data = (obj.data ?? {}) as Record<string, unknown>;
  const encoded = data[DOCKER_CONFIG_KEY];
  if (typeof encoded !== "string") throw missing(`cannot find docker config at secret ${namespace}/${name}`);
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(encoded.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw missing(`data[${DOCKER_CONFIG_KEY}] of secret ${namespace}/${name} is not base64`);
  }
}
