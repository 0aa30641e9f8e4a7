/**
 * The CUSTOM action at the gateway (Envoy's ext_authz filter behind the shadow RBAC filter istiod pairs it
 * with; first in the chain, before jwt_authn): only requests matching a CUSTOM rule are checked. The server's
 * 200 lets the request through with `headersToUpstreamOnAllow` set and `x-envoy-auth-headers-to-remove`
 * removed; another status is passed to the client with its body and headers (flag `UAEX`,
 * `ext_authz_denied`); an error gives `statusOnError` (`ext_authz_error`) unless `failOpen`. An unusable
 * provider makes the CUSTOM rules deny what they match, as istiod configures it.
 * @module
 */
import type { AuthzAttributes, CompiledCustomAuthz, CompiledExtAuthz } from "../../compile/authz/types.ts";
import type { HeaderList } from "../../proxy/header_list.ts";
import { localReply } from "../../proxy/local_reply.ts";
import { noteBodyBytes } from "../../proxy/stream_info.ts";
import { askExtAuthz, type ExtAuthzDeps } from "./ext_authz_client.ts";
import { firstMatch, rbacDenial } from "./rbac.ts";
import { bufferRequestBody } from "./request_body.ts";

/** The request as the CUSTOM step sees it. */
export interface CustomInput {
  readonly req: Request;
  readonly authority: string;
  /** `:path` with query (normalized). */
  readonly fullPath: string;
}

/** How the CUSTOM step ended. */
export type CustomOutcome =
  | {
    readonly ok: true;
    /** The request to go on with (headers edited, body re-wrapped when it was read). */
    readonly req: Request;
    /** Headers to add to the client's response (`headersToDownstreamOnAllow`). */
    readonly responseHeaders: readonly (readonly [string, string])[];
  }
  | { readonly ok: false; readonly response: Response; readonly details: string; readonly flag?: string };

const NOTHING: readonly (readonly [string, string])[] = [];

/** Headers of a check response never copied to the client (framing and hop-by-hop). */
const NOT_COPIED = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive"]);

/** Runs the CUSTOM step for a request. */
export async function checkCustom(
  custom: CompiledCustomAuthz,
  attrs: AuthzAttributes,
  input: CustomInput,
  deps: ExtAuthzDeps,
): Promise<CustomOutcome> {
  const rule = firstMatch(custom.rules, attrs);
  if (!rule) return { ok: true, req: input.req, responseHeaders: NOTHING };
  const provider = custom.provider;
  if ("error" in provider) return { ok: false, ...rbacDenial(rule.id) };
  let req = input.req;
  let body: Uint8Array | undefined;
  if (provider.body) {
    const buffered = await bufferRequestBody(req, provider.body.maxBytes, provider.body.allowPartial);
    if (buffered.tooLarge) {
      return {
        ok: false,
        response: localReply(413, "Payload Too Large"),
        details: "request_payload_too_large",
      };
    }
    req = buffered.req;
    body = buffered.bytes;
  }
  const result = await askExtAuthz(provider, {
    method: req.method,
    fullPath: input.fullPath,
    authority: input.authority,
    headers: req.headers,
    body,
  }, deps);
  switch (result.kind) {
    case "ok":
      return {
        ok: true,
        req: allowedRequest(req, provider, result.headers),
        responseHeaders: picked(result.headers, provider.downstreamOnAllow),
      };
    case "denied":
      return {
        ok: false,
        response: deniedReply(provider, result),
        details: "ext_authz_denied",
        flag: "UAEX",
      };
    case "error":
      if (provider.failOpen) return { ok: true, req, responseHeaders: NOTHING };
      return {
        ok: false,
        response: localReply(provider.statusOnError),
        details: "ext_authz_error",
        flag: "UAEX",
      };
  }
}

/** The request with the server's upstream headers set and the headers it names removed. */
function allowedRequest(req: Request, provider: CompiledExtAuthz, check: HeaderList): Request {
  const set = picked(check, provider.upstreamOnAllow);
  const remove = (check.get("x-envoy-auth-headers-to-remove") ?? "")
    .split(",").map((s) => s.trim().toLowerCase()).filter((s) =>
      s !== "" && s !== "host" && !s.startsWith(":")
    );
  if (set.length === 0 && remove.length === 0) return req;
  const headers = new Headers(req.headers);
  for (const [name, value] of set) headers.set(name, value);
  for (const name of remove) headers.delete(name);
  return new Request(req, { headers });
}

function picked(headers: HeaderList, test: (name: string) => boolean): (readonly [string, string])[] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => {
    if (test(name) && !NOT_COPIED.has(name)) out.push([name, value]);
  });
  return out;
}

/** The server's denial as the client gets it: its status and body, with its headers (all but `host` by default). */
function deniedReply(
  provider: CompiledExtAuthz,
  denied: { readonly status: number; readonly headers: HeaderList; readonly body: Uint8Array },
): Response {
  const headers = new Headers({ server: "istio-envoy" });
  if (denied.body.length > 0) headers.set("content-type", "text/plain");
  const test = provider.downstreamOnDeny ?? (() => true);
  for (const [name, value] of picked(denied.headers, test)) headers.set(name, value);
  headers.set("server", "istio-envoy");
  const noBody = denied.status === 204 || denied.status === 304 || denied.status < 200;
  const res = new Response(noBody ? null : denied.body as BodyInit, { status: denied.status, headers });
  return noteBodyBytes(res, noBody ? 0 : denied.body.length);
}
