/**
 * Header maps as filters see them: request pseudo-headers first in Envoy's order (`:authority`, `:path`,
 * `:method`, `:scheme`), with `host` folded into `:authority`; the response's `:status` first. After the
 * filters, {@linkcode takePseudoHeaders} gives the data path the (possibly rewritten) pseudo-headers back and
 * leaves the regular fields.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";

/** The request line as pseudo-headers. */
export interface RequestLine {
  /** `:method`. */
  readonly method: string;
  /** `:path` (path and query). */
  readonly path: string;
  /** `:authority` (the Host). */
  readonly authority: string;
  /** `:scheme`. */
  readonly scheme: string;
}

/** A new map: the request pseudo-headers, then `fields` without `host`. */
export function requestHeaderMap(line: RequestLine, fields: HeaderList): HeaderList {
  const out = [
    ":authority",
    line.authority,
    ":path",
    line.path,
    ":method",
    line.method,
    ":scheme",
    line.scheme,
  ];
  const f = fields.fields;
  for (let i = 0; i < f.length; i += 2) if (f[i] !== "host") out.push(f[i], f[i + 1]);
  return new HeaderList(out);
}

/** A new map: `:status`, then `fields`. */
export function responseHeaderMap(status: number, fields: HeaderList): HeaderList {
  return new HeaderList([":status", String(status), ...fields.fields]);
}

/** Removes every pseudo-header from `map` and returns them by name (the first of each). */
export function takePseudoHeaders(map: HeaderList): Record<string, string> {
  const pseudo: Record<string, string> = {};
  const f = map.fields;
  let w = 0;
  for (let i = 0; i < f.length; i += 2) {
    if (f[i].charCodeAt(0) === 58) {
      pseudo[f[i]] ??= f[i + 1];
    } else {
      f[w++] = f[i];
      f[w++] = f[i + 1];
    }
  }
  while (f.length > w) f.pop();
  return pseudo;
}
