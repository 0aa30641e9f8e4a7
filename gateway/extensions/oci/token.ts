/**
 * Docker's token authentication: on a `Bearer` challenge the client asks the challenge's `realm` for a token for
 * the `service` and `scope` (anonymously, with Basic credentials, or with an OAuth2 refresh token from
 * `identitytoken`) and repeats the request with it. The realm is checked first, as Istio's agent does since its
 * SSRF fix: http(s) only, never link-local or cloud metadata, and private or loopback only when the registry is
 * itself on such an address.
 * @module
 */
import { ModuleFetchError } from "../module_error.ts";
import { addressClass, hostOnly } from "./address_class.ts";
import type { RegistryCredentials } from "./docker_config.ts";

/** What a token request needs. */
export interface TokenRequest {
  /** The challenge's parameters (`realm`, `service`, `scope`). */
  readonly params: Readonly<Record<string, string>>;
  /** The registry (`host:port`), for the realm check. */
  readonly registry: string;
  /** The repository, for the default scope. */
  readonly repository: string;
  readonly credentials?: RegistryCredentials;
  readonly signal: AbortSignal;
}

/** The realm URL, if a registry may send the gateway there. */
export function checkRealm(realm: string | undefined, registry: string): URL {
  if (!realm) throw new ModuleFetchError("the registry's Bearer challenge has no realm");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new ModuleFetchError(`rejected unsafe bearer realm ${JSON.stringify(realm)}: invalid realm URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ModuleFetchError(`rejected unsafe bearer realm ${realm}: scheme ${url.protocol} not allowed`);
  }
  const realmClass = addressClass(url.hostname);
  if (realmClass === "link-local" || realmClass === "metadata") {
    throw new ModuleFetchError(`rejected unsafe bearer realm ${realm}: targets a ${realmClass} address`);
  }
  const registryClass = addressClass(hostOnly(registry));
  if ((realmClass === "loopback" || realmClass === "private") && registryClass === "public") {
    throw new ModuleFetchError(
      `rejected unsafe bearer realm ${realm}: a public registry may not send the gateway to a ${realmClass} address`,
    );
  }
  return url;
}

/** A bearer token for the challenge; throws ModuleFetchError when the token service refuses. */
export async function fetchToken(req: TokenRequest): Promise<string> {
  const realm = checkRealm(req.params.realm, req.registry);
  const scopes = (req.params.scope ?? `repository:${req.repository}:pull`).split(" ").filter((s) => s !== "");
  const creds = req.credentials;
  let res: Response;
  try {
    if (creds?.kind === "identityToken") {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.token });
      if (req.params.service) form.set("service", req.params.service);
      form.set("client_id", "portcullis");
      form.set("scope", scopes.join(" "));
      res = await fetch(realm, { method: "POST", body: form, signal: req.signal });
    } else {
      if (req.params.service) realm.searchParams.set("service", req.params.service);
      for (const s of scopes) realm.searchParams.append("scope", s);
      const headers = new Headers();
      if (creds?.kind === "basic") {
        headers.set("authorization", `Basic ${btoa(`${creds.username}:${creds.password}`)}`);
      }
      res = await fetch(realm, { headers, signal: req.signal });
    }
  } catch (e) {
    throw new ModuleFetchError(
      `token request to ${realm.origin}${realm.pathname} failed: ${(e as Error).message}`,
    );
  }
  const body = await res.text().catch(() => "");
  if (!res.ok) {
    throw new ModuleFetchError(
      `token request to ${realm.origin}${realm.pathname} failed: HTTP ${res.status}${
        creds ? "" : " (anonymous)"
      }`,
    );
  }
  let parsed: { token?: unknown; access_token?: unknown };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ModuleFetchError(`token response of ${realm.origin}${realm.pathname} is not JSON`);
  }
  const token = typeof parsed.token === "string" && parsed.token !== "" ? parsed.token : parsed.access_token;
  if (typeof token !== "string" || token === "") {
    throw new ModuleFetchError(`token response of ${realm.origin}${realm.pathname} holds no token`);
  }
  return token;
}
