/**
 * An HTTP ext_authz server behaving as Istio's `samples/extauthz` one: a check carrying `x-ext-authz: allow` is
 * allowed (200), any other is denied (403 with its explanation); both answers carry
 * `x-ext-authz-check-result`, echo `x-ext-authz-additional-header-override` and describe what was received.
 * @module
 */
import { startUpstream, type TestUpstream } from "./net.ts";

/** The body the sample server denies with. */
export const EXT_AUTHZ_DENY_BODY =
  "denied by ext_authz for not found header `x-ext-authz: allow` in the request";

/** A check the server received. */
export interface ReceivedCheck {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: string;
}

/** A running ext_authz server. */
export interface TestExtAuthz extends TestUpstream {
  readonly checks: ReceivedCheck[];
}

/** Starts the sample ext_authz server on 127.0.0.1; `extra` headers are added to every answer. */
export function startExtAuthz(extra: Record<string, string> = {}): TestExtAuthz {
  const checks: ReceivedCheck[] = [];
  const server = startUpstream("ext-authz", async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    checks.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body });
    const allowed = req.headers.get("x-ext-authz") === "allow";
    const headers = new Headers(extra);
    headers.set("x-ext-authz-check-result", allowed ? "allowed" : "denied");
    headers.set(
      "x-ext-authz-additional-header-override",
      req.headers.get("x-ext-authz-additional-header-override") ?? "",
    );
    headers.set("x-ext-authz-check-received", `${req.method} ${req.headers.get("host")}${url.pathname}`);
    return allowed
      ? new Response(null, { status: 200, headers })
      : new Response(EXT_AUTHZ_DENY_BODY, { status: 403, headers });
  });
  return { ...server, checks };
}
