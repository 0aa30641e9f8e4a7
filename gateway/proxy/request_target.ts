/**
 * The authority and `:path` of a request served by `Deno.serve`, recovered from `req.url` as Envoy's codec
 * would have set them.
 *
 * What Deno.serve 2.9.6 does with an HTTP/1.1 request target (measured with raw bytes over TCP):
 * - `req.url` is `http://` + the Host header verbatim + the target verbatim. Nothing is normalized or decoded:
 *   `//admin`, `/a/../admin`, `/%2e%2e/admin`, `/admin%2F`, `/a\admin`, `/admin#x`, `/admin%00`, `/ADMIN`,
 *   `/admin;x`, `/%c0%af`, `"`, `<`, `{`, `|`, `^` and `` ` `` all arrive as sent, so the raw target is
 *   recoverable (the Host header may itself contain `/`, so the target is found by the Host's length).
 * - 400 before the handler runs for: a target not starting with `/` (`*`, `admin`, `\admin`), a raw space,
 *   tab, NUL or DEL, and raw non-ASCII bytes. (Envoy answers 404 for a target without a leading `/`.)
 * - Absolute-form targets (`GET http://other:9/admin`) give `req.url` = the target as sent (scheme case kept,
 *   `ftp://` and `https://` accepted on a plain port), while the `host` header keeps the Host line. Envoy
 *   replaces Host with the target's authority (RFC 9112 3.2.2); so does {@link requestTarget}.
 * - HTTP/2: `req.url` is built from `:authority` and `:path`; there Deno drops a `#fragment` itself and turns a
 *   `:path` without leading `/` (`admin`) into `/admin` (Envoy: 404).
 * - With no Host (or an empty one), `req.url` names `localhost:<port>`.
 * @module
 */

/** Where a request goes: its authority and `:path` (path and query, a fragment included when sent). */
export interface RequestTarget {
  readonly authority: string;
  readonly fullPath: string;
}

/** The authority and `:path` of a request from `req.url` and its Host header. */
export function requestTarget(url: string, host: string | null): RequestTarget {
  const hostStart = url.indexOf("//") + 2;
  // Origin-form: the URL is the Host header followed by a target that starts with "/".
  if (host) {
    const end = hostStart + host.length;
    if (url.charCodeAt(end) === 0x2f && url.startsWith(host, hostStart)) {
      return { authority: host, fullPath: url.slice(end) };
    }
  }
  // Absolute-form, HTTP/2, or no Host: the authority runs to the first "/", "?" or "#".
  let end = hostStart;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    end++;
  }
  const rest = url.slice(end);
  return { authority: url.slice(hostStart, end), fullPath: rest.startsWith("/") ? rest : `/${rest}` };
}
