/**
 * Registry credentials from a Docker config (`.dockerconfigjson`, the content of a `kubernetes.io/dockerconfigjson`
 * Secret): the `auths` entry for a registry, matched by host as the Docker CLI does (keys may carry a scheme and a
 * path, Docker Hub is `https://index.docker.io/v1/`).
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import { DOCKER_HUB } from "./reference.ts";

/** What a registry accepts: user and password (Basic, or for a token), an OAuth2 refresh token, or a bearer token. */
export type RegistryCredentials =
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "identityToken"; readonly username: string; readonly token: string }
  | { readonly kind: "registryToken"; readonly token: string };

const DOCKER_HUB_HOSTS = new Set([DOCKER_HUB, "docker.io", "registry-1.docker.io"]);

/** `https://host:port/v1/` → `host:port`, as the Docker CLI's `ConvertToHostname`. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").split("/", 1)[0].toLowerCase();
}

/** The credentials `dockerConfigJson` holds for `registry`; undefined when it has none (anonymous pulls). */
export function credentialsFor(dockerConfigJson: string, registry: string): RegistryCredentials | undefined {
  let config: unknown;
  try {
    config = JSON.parse(dockerConfigJson);
  } catch (e) {
    throw new ModuleFetchError(`invalid docker config in the image pull secret: ${(e as Error).message}`);
  }
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (auths === null || typeof auths !== "object" || Array.isArray(auths)) {
    throw new ModuleFetchError("invalid docker config in the image pull secret: no `auths` map");
  }
  const wanted = registry.toLowerCase();
  const hub = DOCKER_HUB_HOSTS.has(wanted);
  const entries = Object.entries(auths as Record<string, unknown>);
  const entry = entries.find(([k]) => k === registry)?.[1] ??
    entries.find(([k]) => {
      const host = hostOf(k);
      return host === wanted || (hub && DOCKER_HUB_HOSTS.has(host));
    })?.[1];
  if (entry === null || typeof entry !== "object") return undefined;
  return fromEntry(entry as Record<string, unknown>);
}

function fromEntry(e: Record<string, unknown>): RegistryCredentials | undefined {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  let username = str(e.username);
  let password = str(e.password);
  if (str(e.auth) !== "") {
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(str(e.auth)), (c) => c.charCodeAt(0)));
    } catch {
      throw new ModuleFetchError("invalid docker config in the image pull secret: `auth` is not base64");
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new ModuleFetchError(
        "invalid docker config in the image pull secret: `auth` is not user:password",
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (str(e.registrytoken) !== "") return { kind: "registryToken", token: str(e.registrytoken) };
  if (str(e.identitytoken) !== "") return { kind: "identityToken", username, token: str(e.identitytoken) };
  if (username === "" && password === "") return undefined;
  return { kind: "basic", username, password };
}
