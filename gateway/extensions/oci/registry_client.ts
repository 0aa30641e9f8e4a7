/**
 * The OCI distribution API's read side (`GET /v2/<name>/manifests/<reference>`, `GET /v2/<name>/blobs/<digest>`)
 * with what registries expect of a client: Basic or token authentication on a 401 challenge, redirects (blob
 * storage elsewhere; credentials are not sent to another origin; never to link-local or cloud metadata
 * addresses, as Istio's agent refuses them), digests checked, sizes bounded. Registries are
 * reached over https; a registry that answers TLS in plain HTTP is asked again over http (Istio's agent does the
 * same), and hosts given as insecure are asked over http from the start.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import { addressClass } from "./address_class.ts";
import { sha256Hex } from "../module_cache.ts";
import { parseChallenges } from "./challenge.ts";
import type { RegistryCredentials } from "./docker_config.ts";
import type { Descriptor } from "./manifest.ts";
import { MANIFEST_ACCEPT } from "./media_types.ts";
import { type ImageReference, registryApiHost } from "./reference.ts";
import { fetchToken } from "./token.ts";
import { MAX_MODULE_BYTES, readBounded } from "./bounded_read.ts";

/** The largest manifest read (containerd's limit). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** The largest blob read. */
export const MAX_BLOB_BYTES = MAX_MODULE_BYTES;
const MAX_REDIRECTS = 5;

/** Options of a RegistryClient. */
export interface RegistryClientOptions {
  /** Registries (`host` or `host:port`; `*` for all) asked over plain http from the first request. */
  readonly insecureRegistries?: readonly string[];
  readonly log?: (line: string) => void;
}

/** A fetched manifest: raw bytes, media type, and the hex SHA-256 of the bytes. */
export interface FetchedManifest {
  readonly bytes: Uint8Array;
  readonly contentType?: string;
  readonly digest: string;
}

/** Registry access shared by every pull: which registries speak plain http. */
export class RegistryClient {
  readonly #insecure: ReadonlySet<string>;
  readonly #plainHttp = new Set<string>();
  readonly #log: (line: string) => void;

  constructor(options: RegistryClientOptions = {}) {
    this.#insecure = new Set((options.insecureRegistries ?? []).map((h) => h.toLowerCase()));
    this.#log = options.log ?? (() => {});
  }

  /** A session for reads from `ref`'s repository with `credentials` (anonymous when undefined). */
  session(
    ref: ImageReference,
    credentials: RegistryCredentials | undefined,
    signal: AbortSignal,
  ): RegistrySession {
    return new RegistrySession(this, ref, credentials, signal);
  }

  /** The scheme to reach `host` with. */
  schemeFor(host: string): "http" | "https" {
    const h = host.toLowerCase();
    const insecure = this.#insecure.has("*") || this.#insecure.has(h) || this.#insecure.has(h.split(":")[0]);
    return insecure || this.#plainHttp.has(h) ? "http" : "https";
  }

  /** Notes that `host` answered TLS in plain HTTP. */
  markPlainHttp(host: string): void {
    this.#plainHttp.add(host.toLowerCase());
    this.#log(`registry ${host} answered in plain HTTP; fetching from it over http`);
  }
}

/** Reads from one repository with one set of credentials; keeps the authorization it obtained. */
export class RegistrySession {
  readonly #client: RegistryClient;
  readonly #ref: ImageReference;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #signal: AbortSignal;
  readonly #host: string;
  #authorization: string | undefined;

  constructor(
    client: RegistryClient,
    ref: ImageReference,
    credentials: RegistryCredentials | undefined,
    signal: AbortSignal,
  ) {
    this.#client = client;
    this.#ref = ref;
    this.#credentials = credentials;
    this.#signal = signal;
    this.#host = registryApiHost(ref);
    if (credentials?.kind === "registryToken") this.#authorization = `Bearer ${credentials.token}`;
  }

  /** The manifest named by `reference` (a tag, or a hex digest which the bytes must match). */
  async manifest(reference: string, isDigest: boolean): Promise<FetchedManifest> {
    const ref = isDigest ? `sha256:${reference}` : reference;
    const res = await this.#get(`/v2/${this.#ref.repository}/manifests/${ref}`, MANIFEST_ACCEPT);
    if (!res.ok) throw await httpError(res, `manifest ${this.#ref.repository}:${ref}`);
    const bytes = await readBounded(res, MAX_MANIFEST_BYTES, "manifest");
    const digest = await sha256Hex(bytes);
    if (isDigest && digest !== reference) {
      throw new ModuleFetchError(
        `manifest digest sha256:${digest} does not match the requested sha256:${reference}`,
      );
    }
    const claimed = res.headers.get("docker-content-digest");
    if (claimed?.startsWith("sha256:") && claimed !== `sha256:${digest}`) {
      throw new ModuleFetchError(
        `manifest bytes have digest sha256:${digest}, the registry claims ${claimed}`,
      );
    }
    return { bytes, contentType: res.headers.get("content-type") ?? undefined, digest };
  }

  /** The blob `desc` names, checked against its size and digest. */
  async blob(desc: Descriptor): Promise<Uint8Array> {
    if (desc.size > MAX_BLOB_BYTES) {
      throw new ModuleFetchError(`blob sha256:${desc.digest} is ${desc.size} bytes, over ${MAX_BLOB_BYTES}`);
    }
    const res = await this.#get(`/v2/${this.#ref.repository}/blobs/sha256:${desc.digest}`);
    if (!res.ok) throw await httpError(res, `blob sha256:${desc.digest}`);
    const bytes = await readBounded(res, desc.size, "blob");
    if (bytes.length !== desc.size) {
      throw new ModuleFetchError(
        `blob sha256:${desc.digest} has ${bytes.length} bytes, expected ${desc.size}`,
      );
    }
    const digest = await sha256Hex(bytes);
    if (digest !== desc.digest) {
      throw new ModuleFetchError(`blob content has digest sha256:${digest}, expected sha256:${desc.digest}`);
    }
    return bytes;
  }

  /** GET with the session's authorization; a 401 is answered once by authenticating as challenged. */
  async #get(path: string, accept?: string): Promise<Response> {
    const attempt = () => {
      const headers = new Headers();
      if (accept) headers.set("accept", accept);
      if (this.#authorization) headers.set("authorization", this.#authorization);
      return this.#fetch(path, headers);
    };
    let res = await attempt();
    if (res.status !== 401) return res;
    const challenge = res.headers.get("www-authenticate") ?? "";
    await res.body?.cancel();
    const before = this.#authorization;
    this.#authorization = await this.#authorize(challenge);
    if (this.#authorization === before) throw this.#refused();
    res = await attempt();
    if (res.status === 401) {
      await res.body?.cancel();
      throw this.#refused();
    }
    return res;
  }

  #refused(): ModuleFetchError {
    const who = this.#credentials ? "the image pull secret's credentials" : "anonymous access";
    return new ModuleFetchError(
      `registry ${this.#ref.registry} refused ${who} to ${this.#ref.repository} (HTTP 401 Unauthorized)`,
    );
  }

  /** The Authorization value a challenge asks for. */
  async #authorize(header: string): Promise<string> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const creds = this.#credentials;
    if (bearer) {
      if (creds?.kind === "registryToken") return `Bearer ${creds.token}`;
      const token = await fetchToken({
        params: bearer.params,
        registry: this.#host,
        repository: this.#ref.repository,
        credentials: creds,
        signal: this.#signal,
      });
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      if (creds?.kind === "basic") return `Basic ${btoa(`${creds.username}:${creds.password}`)}`;
      throw new ModuleFetchError(
        `registry ${this.#ref.registry} requires a user and password (Basic authentication): ` +
          `set the WasmPlugin's imagePullSecret`,
      );
    }
    throw new ModuleFetchError(
      `registry ${this.#ref.registry} answered HTTP 401 with an unsupported challenge ${
        JSON.stringify(header)
      }`,
    );
  }

  /** GET `path` of the registry over its scheme, following redirects by hand. */
  async #fetch(path: string, headers: Headers): Promise<Response> {
    const scheme = this.#client.schemeFor(this.#host);
    try {
      return await this.#follow(new URL(`${scheme}://${this.#host}${path}`), headers);
    } catch (e) {
      if (scheme === "https" && speaksPlainHttp(e)) {
        this.#client.markPlainHttp(this.#host);
        return await this.#fetch(path, headers);
      }
      if (e instanceof ModuleFetchError) throw e;
      throw new ModuleFetchError(`GET ${scheme}://${this.#host}${path} failed: ${describeError(e)}`);
    }
  }

  async #follow(url: URL, headers: Headers): Promise<Response> {
    const origin = url.origin;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const cls = addressClass(url.hostname);
      if (cls === "link-local" || cls === "metadata") {
        throw new ModuleFetchError(`connection blocked: ${url.hostname} is a ${cls} address`);
      }
      const res = await fetch(url, { headers, redirect: "manual", signal: this.#signal });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
      if (location === null) return res;
      await res.body?.cancel();
      url = new URL(location, url);
      if (url.origin !== origin) headers.delete("authorization");
    }
    throw new ModuleFetchError(`more than ${MAX_REDIRECTS} redirects from ${origin}`);
  }
}

/** True when an https request failed because the server answered in plain HTTP. */
function speaksPlainHttp(e: unknown): boolean {
  return /InvalidContentType|HTTP response to HTTPS|wrong version number/i.test(describeError(e));
}

function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let err = e, depth = 0; err !== undefined && depth < 4; err = (err as Error).cause, depth++) {
    parts.push(err instanceof Error ? err.message : String(err));
  }
  return parts.join(": ");
}

/** An error for a failed registry response, with the registry's own error code and message. */
async function httpError(res: Response, what: string): Promise<ModuleFetchError> {
  const body = await res.text().catch(() => "");
  let detail = "";
  try {
    const first = JSON.parse(body)?.errors?.[0];
    if (first) detail = `: ${[first.code, first.message].filter((s) => typeof s === "string").join(" ")}`;
  } catch {
    // not the registry's JSON error
  }
  return new ModuleFetchError(`${what}: HTTP ${res.status}${detail}`);
}
