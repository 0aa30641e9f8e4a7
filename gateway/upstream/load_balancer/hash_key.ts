/**
 * The hash key of a request for consistent hashing, from `loadBalancer.consistentHash` the way Istio programs
 * Envoy's route hash policy:
 *
 * - `httpHeaderName`: the header's value (`:authority`, `:path`, `:method` read the request line); absent
 *   header, no key.
 * - `httpCookie {name, path, ttl, attributes}`: the cookie's value (surrounding double quotes removed). When
 *   the cookie is absent and `ttl` is set, Envoy generates a value from the downstream connection's addresses,
 *   hashes on it and sets it on the response: `name="value"; Max-Age=ttl; Path=path; attr=val; HttpOnly`
 *   (`Max-Age` omitted for a zero ttl, a session cookie). Without `ttl`, no cookie and no key.
 * - `useSourceIp`: the downstream client IP.
 * - `httpQueryParameterName`: the first value of the query parameter, decoded; absent, no key.
 *
 * Without a key a consistent-hash balancer picks at random.
 * @module
 */
import type { LoadBalancerSettings } from "../../config/kinds/networking/destination_rule.ts";
import { parseDuration } from "../../config/duration.ts";
import { hashHex64 } from "./hash.ts";

/** `loadBalancer.consistentHash`. */
export type ConsistentHashSettings = NonNullable<LoadBalancerSettings["consistentHash"]>;

/** Request headers as far as hashing needs them (a `Headers` fits). */
export interface HeaderLookup {
  /** The value of header `name`, `null` when absent. */
  get(name: string): string | null;
}

/** What `hashKeyFor` may read about the request. */
export interface RequestFacts {
  /** Request headers (case-insensitive lookup). */
  readonly headers: HeaderLookup;
  /** `:authority` (falls back to the `host` header). */
  readonly authority?: string;
  /** `:path`, with the query string. */
  readonly path?: string;
  /** `:method`. */
  readonly method?: string;
  /** The downstream client IP (after trusted X-Forwarded-For processing). */
  readonly sourceIp?: string;
  /** Downstream connection remote address (`ip:port`), for generating a cookie. */
  readonly remoteAddress?: string;
  /** Downstream connection local address (`ip:port`), for generating a cookie. */
  readonly localAddress?: string;
}

/** The key to hash on, and the `Set-Cookie` value to add to the response when a cookie was generated. */
export interface HashKeyResult {
  /** The key for `LbContext.hashKey`; absent when the request yields none. */
  readonly hashKey?: string;
  /** A `Set-Cookie` header value for the response (generated cookie). */
  readonly setCookie?: string;
}

/** The value of cookie `name` in the request's `cookie` header, as Envoy parses it. */
export function cookieValue(headers: HeaderLookup, name: string): string | undefined {
  const header = headers.get("cookie");
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trimStart() !== name) continue;
    let value = part.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

function pseudoHeader(facts: RequestFacts, name: string): string | undefined {
  switch (name) {
    case ":authority":
      return facts.authority ?? facts.headers.get("host") ?? undefined;
    case ":path":
      return facts.path;
    case ":method":
      return facts.method;
    default:
      return undefined;
  }
}

function queryParameter(path: string | undefined, name: string): string | undefined {
  if (path === undefined) return undefined;
  const q = path.indexOf("?");
  if (q < 0) return undefined;
  const end = path.indexOf("#", q);
  return new URLSearchParams(path.slice(q + 1, end < 0 ? undefined : end)).get(name) ?? undefined;
}

/** Envoy's `Set-Cookie` value for a generated hash cookie. */
export function makeSetCookie(
  name: string,
  value: string,
  path: string | undefined,
  maxAgeSeconds: number,
  attributes: readonly { readonly name: string; readonly value?: string }[] = [],
): string {
  let out = `${name}="${value}"`;
  if (maxAgeSeconds !== 0) out += `; Max-Age=${maxAgeSeconds}`;
  if (path) out += `; Path=${path}`;
  for (const a of attributes) out += a.value ? `; ${a.name}=${a.value}` : `; ${a.name}`;
  return out + "; HttpOnly";
}

/** The hash key of a request under `settings`; empty when the request yields none (then: random choice). */
export function hashKeyFor(facts: RequestFacts, settings: ConsistentHashSettings | undefined): HashKeyResult {
  if (settings === undefined) return {};
  if (settings.httpHeaderName !== undefined) {
    const name = settings.httpHeaderName.toLowerCase();
    const value = name.startsWith(":") ? pseudoHeader(facts, name) : facts.headers.get(name) ?? undefined;
    return value === undefined ? {} : { hashKey: value };
  }
  if (settings.httpCookie !== undefined) {
    const cookie = settings.httpCookie;
    const value = cookieValue(facts.headers, cookie.name);
    if (value !== undefined) return { hashKey: value };
    const ttlMs = cookie.ttl === undefined ? undefined : parseDuration(cookie.ttl);
    if (ttlMs === undefined) return {};
    const generated = hashHex64(`${facts.remoteAddress ?? ""}${facts.localAddress ?? ""}`);
    return {
      hashKey: generated,
      setCookie: makeSetCookie(
        cookie.name,
        generated,
        cookie.path,
        Math.floor(ttlMs / 1000),
        cookie.attributes,
      ),
    };
  }
  if (settings.useSourceIp) {
    return facts.sourceIp === undefined ? {} : { hashKey: facts.sourceIp };
  }
  if (settings.httpQueryParameterName !== undefined) {
    const value = queryParameter(facts.path, settings.httpQueryParameterName);
    return value === undefined ? {} : { hashKey: value };
  }
  return {};
}
