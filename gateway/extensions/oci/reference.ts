/**
 * OCI image references as a WasmPlugin `url` names them (`oci://registry/repo:tag`, `oci://registry/repo@sha256:...`,
 * or the same without a scheme), parsed the way Istio's agent does (go-containerregistry's `name.ParseReference`):
 * a first path segment with a `.` or `:`, or `localhost`, is the registry, otherwise Docker Hub; the tag defaults to
 * `latest`; a digest wins over a tag.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";

/** A parsed image reference. */
export interface ImageReference {
  /** The registry as written (`127.0.0.1:5000`, `ghcr.io`), lowercased; `index.docker.io` for Docker Hub. */
  readonly registry: string;
  /** The repository path (`library/` added for one-segment Docker Hub names). */
  readonly repository: string;
  /** The tag; undefined when a digest is given. */
  readonly tag?: string;
  /** The hex SHA-256 digest from `@sha256:`, when given. */
  readonly digest?: string;
}

/** The registry name go-containerregistry uses for Docker Hub. */
export const DOCKER_HUB = "index.docker.io";

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Parses a WasmPlugin `url` of scheme `oci://` (or none) into an image reference; throws ModuleFetchError. */
export function parseImageReference(url: string): ImageReference {
  let name = url.replace(/^oci:\/\//i, "");
  name = name.split(/[?#]/, 1)[0];
  const fail = (why: string) => new ModuleFetchError(`could not parse url in image reference ${url}: ${why}`);
  let digest: string | undefined;
  const at = name.indexOf("@");
  if (at >= 0) {
    const m = DIGEST.exec(name.slice(at + 1));
    if (!m) throw fail("a digest must be sha256: and 64 lowercase hex digits");
    digest = m[1];
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw fail(`invalid tag ${JSON.stringify(tag)}`);
  }
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  let registry: string;
  let repository: string;
  if (first !== "" && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first.toLowerCase();
    repository = name.slice(slash + 1);
  } else {
    registry = DOCKER_HUB;
    repository = name;
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (!repository.includes("/")) repository = `library/${repository}`;
  }
  if (repository === "" || !repository.split("/").every((c) => COMPONENT.test(c))) {
    throw fail(`invalid repository ${JSON.stringify(repository)} (lowercase letters, digits, separators)`);
  }
  return digest ? { registry, repository, digest } : { registry, repository, tag: tag ?? "latest" };
}

/** `registry/repository:tag` or `registry/repository@sha256:...`. */
export function formatImageReference(ref: ImageReference): string {
  const base = `${ref.registry}/${ref.repository}`;
  return ref.digest ? `${base}@sha256:${ref.digest}` : `${base}:${ref.tag}`;
}

/** The host the registry API is reached at: Docker Hub's API lives at `registry-1.docker.io`. */
export function registryApiHost(ref: ImageReference): string {
  return ref.registry === DOCKER_HUB ? "registry-1.docker.io" : ref.registry;
}
