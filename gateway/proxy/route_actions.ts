/**
 * Answers a matched route gives without an upstream: `directResponse` and `redirect`, and the header rules
 * (`headers.request|response` set/add/remove) that routes apply.
 * @module
 */
import type { HeaderOperations, HTTPRedirect } from "../config/kinds/networking/virtual_service.ts";

/** The header operations `Headers` and `HeaderList` share. */
export interface MutableHeaders {
  /** Replaces every value of `name`. */
  set(name: string, value: string): void;
  /** Adds a value for `name`. */
  append(name: string, value: string): void;
  /** Removes `name`. */
  delete(name: string): void;
}

/**
 * Applies set/add/remove header rules in Envoy's order: remove, then set (overwrite), then add (append).
 * `:authority` becomes the Host header; other pseudo-headers are ignored, as Istio ignores them.
 */
export function applyHeaderOperations(headers: MutableHeaders, ops: HeaderOperations | undefined): void {
  if (!ops) return;
  for (const name of ops.remove ?? []) if (!name.startsWith(":")) headers.delete(name);
  for (const [name, value] of Object.entries(ops.set ?? {})) {
    const key = headerKey(name);
    if (key) headers.set(key, value);
  }
  for (const [name, value] of Object.entries(ops.add ?? {})) {
    const key = headerKey(name);
    if (key) headers.append(key, value);
  }
}

function headerKey(name: string): string | undefined {
  if (name === ":authority") return "host";
  return name.startsWith(":") ? undefined : name;
}

/** What a redirect needs to know about the request. */
export interface RedirectInput {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly listenerPort: number;
}

/** The `Location` of an HTTPRedirect applied to a request. */
export function redirectLocation(r: HTTPRedirect, req: RedirectInput): string {
  const scheme = r.scheme ?? req.scheme;
  const [reqHost, reqPort] = splitAuthority(req.authority);
  const host = r.authority ?? reqHost;
  let port: string | undefined = r.authority ? undefined : reqPort;
  if (r.port !== undefined) port = String(r.port);
  else if (r.derivePort === "FROM_REQUEST_PORT") port = String(req.listenerPort);
  else if (r.scheme && r.scheme !== req.scheme) port = undefined;
  if ((scheme === "http" && port === "80") || (scheme === "https" && port === "443")) port = undefined;
  const path = r.uri ?? req.path;
  return `${scheme}://${host}${port ? `:${port}` : ""}${path}${req.query ? `?${req.query}` : ""}`;
}

function splitAuthority(authority: string): [string, string | undefined] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  return m ? [m[1], m[2]] : [authority, undefined];
}
