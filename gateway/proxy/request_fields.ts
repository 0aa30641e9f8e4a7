/**
 * A request's header fields as they arrived: in order, repeated fields kept apart, names lowercased (as Envoy
 * forwards them over HTTP/1.1). A `Headers` object cannot give that: iterating it sorts the names and joins a
 * repeated field's values with ", ". Deno's `Request` keeps the received list inside (the list `Headers`
 * reads and edits), so it is read from there; where a runtime keeps no such list, the `Headers` view is the
 * fallback. `test/proxy/request_fields_test.ts` fails when a Deno upgrade moves the inner list.
 * @module
 */

/** The property (a symbol described `request`) under which Deno keeps a Request's inner state; found once. */
let innerKey: symbol | null | undefined;

function findInnerKey(req: Request): symbol | null {
  for (const key of Object.getOwnPropertySymbols(req)) {
    if (key.description === "request" && Array.isArray(innerList(req, key))) return key;
  }
  return null;
}

function innerList(req: Request, key: symbol): unknown {
  return (req as unknown as Record<symbol, { headerList?: unknown } | undefined>)[key]?.headerList;
}

/** `req`'s received fields as `[name, value]` pairs, original case; undefined where Deno keeps no such list. */
function receivedList(req: Request): [string, string][] | undefined {
  if (innerKey === undefined) innerKey = findInnerKey(req);
  const list = innerKey === null ? undefined : innerList(req, innerKey);
  return Array.isArray(list) ? list as [string, string][] : undefined;
}

/**
 * The value of the request field `name` (lowercase), repeated fields joined with `,` as Envoy's codec joins
 * them (X-Forwarded-For, for one); null when absent.
 */
export function joinedRequestField(req: Request, name: string): string | null {
  const list = receivedList(req);
  if (list === undefined) return req.headers.get(name);
  let value: string | null = null;
  for (const [n, v] of list) {
    if (n.length === name.length && n.toLowerCase() === name) value = value === null ? v : `${value},${v}`;
  }
  return value;
}

/** The fields of `req` as `[name, value, name, value, …]` (a new array), in received order. */
export function requestFields(req: Request): string[] {
  const list = receivedList(req);
  const fields: string[] = [];
  if (list !== undefined) {
    for (const [name, value] of list) fields.push(name.toLowerCase(), value);
    return fields;
  }
  req.headers.forEach((value, name) => {
    if (name !== "set-cookie") fields.push(name, value);
  });
  for (const cookie of req.headers.getSetCookie()) fields.push("set-cookie", cookie);
  return fields;
}
