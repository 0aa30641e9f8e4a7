/**
 * The parts of Go's `net/url` parsing that Istio's URL checks depend on (`url.Parse`, `url.ParseRequestURI`),
 * so that WasmPlugin and RequestAuthentication URLs are accepted or rejected as the API server and istiod do.
 * @module
 */

/** A parsed URL, or the error Go would give. */
export type GoUrlResult =
  | { ok: true; scheme: string; host: string; port: string; opaque: string }
  | { ok: false; error: string };

const HOST_SAFE = "!$&'()*+,;=:[]<>\"";

/** Go's `url.ParseRequestURI`: an absolute URI or an absolute path, no fragment splitting. */
export function parseRequestUri(raw: string): GoUrlResult {
  return wrap(raw, parse(raw, true));
}

/** Go's `url.Parse`: a URL reference, with its `#fragment` split off first. */
export function parseUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf("#");
  const [u, frag] = hash < 0 ? [raw, undefined] : [raw.slice(0, hash), raw.slice(hash + 1)];
  const result = parse(u, false);
  if (result.ok && frag !== undefined) {
    const err = unescapeError(frag, "fragment");
    if (err) return wrap(raw, { ok: false, error: err });
  }
  return wrap(raw, result);
}

function wrap(raw: string, r: GoUrlResult): GoUrlResult {
  return r.ok ? r : { ok: false, error: `parse ${JSON.stringify(raw)}: ${r.error}` };
}

function parse(raw: string, viaRequest: boolean): GoUrlResult {
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return { ok: false, error: "net/url: invalid control character in URL" };
  }
  if (raw === "" && viaRequest) return { ok: false, error: "empty url" };
  if (raw === "*") return { ok: true, scheme: "", host: "", port: "", opaque: "" };
  const schemed = splitScheme(raw);
  if (!schemed.ok) return schemed;
  const scheme = schemed.scheme.toLowerCase();
  let rest = schemed.rest;
  if (rest.endsWith("?") && rest.split("?").length === 2) rest = rest.slice(0, -1);
  else rest = rest.split("?")[0];
  if (!rest.startsWith("/")) {
    if (scheme !== "") return { ok: true, scheme, host: "", port: "", opaque: rest };
    if (viaRequest) return { ok: false, error: "invalid URI for request" };
    if (rest.split("/")[0].includes(":")) {
      return { ok: false, error: "first path segment in URL cannot contain colon" };
    }
  }
  let host = "";
  if ((scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    const auth = parseAuthority(authority);
    if (typeof auth !== "string") return auth;
    host = auth;
  }
  const pathErr = unescapeError(rest, "path");
  if (pathErr) return { ok: false, error: pathErr };
  const colon = host.lastIndexOf(":");
  const port = colon >= 0 && !host.slice(colon).includes("]") ? host.slice(colon + 1) : "";
  return {
    ok: true,
    scheme,
    host: colon >= 0 && port !== "" ? host.slice(0, colon) : host,
    port,
    opaque: "",
  };
}

function splitScheme(raw: string): { ok: true; scheme: string; rest: string } | { ok: false; error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { ok: true, scheme: "", rest: raw };
      continue;
    }
    if (c === ":") {
      if (i === 0) return { ok: false, error: "missing protocol scheme" };
      return { ok: true, scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { ok: true, scheme: "", rest: raw };
  }
  return { ok: true, scheme: "", rest: raw };
}

function parseAuthority(authority: string): string | { ok: false; error: string } {
  const at = authority.lastIndexOf("@");
  const host = at < 0 ? authority : authority.slice(at + 1);
  const hostErr = parseHostError(host);
  if (hostErr) return { ok: false, error: hostErr };
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) {
      return { ok: false, error: "net/url: invalid userinfo" };
    }
    const err = unescapeError(userinfo, "userinfo");
    if (err) return { ok: false, error: err };
  }
  return host;
}

function parseHostError(host: string): string | undefined {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) return "missing ']' in host";
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${JSON.stringify(colonPort)} after host`;
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) {
      return `invalid port ${JSON.stringify(host.slice(colon))} after host`;
    }
  }
  return unescapeError(host, "host");
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

function unescapeError(s: string, mode: "host" | "path" | "userinfo" | "fragment"): string | undefined {
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (c === "%") {
      if (!/^%[0-9A-Fa-f]{2}/.test(s.slice(i, i + 3))) {
        return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
      }
      if (mode === "host" && parseInt(s[i + 1], 16) < 8 && s.slice(i, i + 3) !== "%25") {
        return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
      }
      i += 3;
      continue;
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9\-_.~]/.test(c) && !HOST_SAFE.includes(c)) {
      return `invalid character ${JSON.stringify(c)} in host name`;
    }
    i++;
  }
  return undefined;
}
