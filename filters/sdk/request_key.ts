// What a per-key limit (rate limit, quota) is keyed by, as configurations write it:
//   {header: NAME} · {clientIp: true} or {clientIp: {xffTrustedHops: N}} · {path: true} (without the query)
//   {jwtClaim: {header: NAME}} (the header RequestAuthentication's outputClaimToHeaders writes) or
//   {jwtClaim: {issuer: ISS, claim: NAME}} (Envoy's jwt_authn metadata) · {property: "a.b"} or [segments]
import { clientIp } from "./client";
import { JsonValue } from "./json";
import { getPropertyAt, getPropertyString } from "./properties";
import { request } from "./stream_control";
import { StringMatcher } from "./string_match";

const KEY_NONE = 0;
const KEY_HEADER = 1;
const KEY_CLIENT_IP = 2;
const KEY_PATH = 3;
const KEY_CLAIM = 4;
const KEY_PROPERTY = 5;

/** The current request's path without its query. */
export function requestPath(): string {
  const full = request.headers.get(":path");
  if (full === null) return "";
  const q = full.indexOf("?");
  return q < 0 ? full : full.substring(0, q);
}

/** The current request's route name (`route_name`, "" when none), read when first asked for; one per stream. */
export class RouteName {
  private name: string | null = null;

  value(): string {
    let name = this.name;
    if (name === null) {
      const read = getPropertyString("route_name");
      name = read === null ? "" : read;
      this.name = name;
    }
    return name!;
  }
}

/** Which requests a per-key limit's rule applies to: `match: {routes: [NAME…], path: {exact|prefix|…}}`. */
export class RequestMatch {
  routes: string[] = new Array<string>();
  path: StringMatcher | null = null;

  /** Reads a rule's `match` (null: every request); returns an error message (prefixed "match…") or null. */
  parse(match: JsonValue | null): string | null {
    if (match === null) return null;
    this.routes = match.getStrings("routes");
    const path = match.get("path");
    if (path === null) return null;
    this.path = StringMatcher.fromJson(path);
    return this.path === null ? "match.path must be {exact|prefix|suffix|glob: ...}" : null;
  }

  /** Whether the current request (its route, its `path` without the query) is one the rule applies to. */
  matches(route: RouteName, path: string): bool {
    if (this.routes.length > 0 && !this.routes.includes(route.value())) return false;
    const m = this.path;
    return m === null || m.matches(path);
  }
}

/** Where a key comes from; the default (no key configured) gives "" for every request. */
export class RequestKey {
  kind: i32 = KEY_NONE;
  name: string = "";
  segments: string[] = new Array<string>();
  trustedHops: i32 = 0;

  /**
   * Reads the JSON form above into this key; returns an error message (prefixed "key…") or null. A null `v`
   * leaves the key unset.
   */
  parse(v: JsonValue | null): string | null {
    if (v === null) return null;
    if (!v.isObject()) return "key must be an object";
    if (v.has("header")) {
      this.kind = KEY_HEADER;
      this.name = v.getString("header").toLowerCase();
      return this.name.length == 0 ? "key.header must be a header name" : null;
    }
    if (v.has("clientIp")) {
      this.kind = KEY_CLIENT_IP;
      const c = v.get("clientIp")!;
      if (c.isObject()) this.trustedHops = <i32>c.getInt("xffTrustedHops", 0);
      return null;
    }
    if (v.has("path")) {
      this.kind = KEY_PATH;
      return null;
    }
    if (v.has("jwtClaim")) {
      const c = v.getObject("jwtClaim");
      if (c === null) return "key.jwtClaim must be an object with a header (outputClaimToHeaders) or an issuer";
      this.kind = KEY_CLAIM;
      this.name = c.getString("header").toLowerCase();
      const issuer = c.getString("issuer");
      const claim = c.getString("claim");
      if (issuer.length > 0 && claim.length > 0) {
        this.segments = ["metadata", "filter_metadata", "envoy.filters.http.jwt_authn", issuer, claim];
      }
      return this.name.length == 0 && this.segments.length == 0
        ? "key.jwtClaim needs a header, or an issuer and a claim"
        : null;
    }
    if (v.has("property")) {
      this.kind = KEY_PROPERTY;
      const p = v.get("property")!;
      this.segments = p.isString() ? p.stringValue.split(".") : v.getStrings("property");
      return this.segments.length == 0 ? "key.property must be a dotted path or a list of segments" : null;
    }
    return "key must have one of header, clientIp, path, jwtClaim, property";
  }

  /** The key of the current request; null when the request has none (a limit then does not apply). */
  value(): string | null {
    if (this.kind == KEY_NONE) return "";
    if (this.kind == KEY_HEADER) return request.headers.get(this.name);
    if (this.kind == KEY_CLIENT_IP) return clientIp(this.trustedHops);
    if (this.kind == KEY_PATH) return requestPath();
    if (this.kind == KEY_CLAIM) {
      const fromHeader = request.headers.get(this.name);
      if (fromHeader !== null || this.segments.length == 0) return fromHeader;
    }
    const b = getPropertyAt(this.segments);
    return b === null ? null : String.UTF8.decode(b);
  }
}
