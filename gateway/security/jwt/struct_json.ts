/**
 * JSON objects read as jwt_verify_lib reads token headers and payloads: with protobuf's JSON parser into a
 * `google.protobuf.Struct`, which refuses a key repeated in one object (at any depth) where `JSON.parse` would
 * keep the last value. So `{"sub":"alice","sub":"admin"}` is invalid JSON to Envoy, not a token for `admin`.
 * @module
 */

/** The JSON object in `text`, or undefined when it is not valid JSON, not an object, or repeats a key. */
export function parseStructJson(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return hasRepeatedKey(text) ? undefined : value as Record<string, unknown>;
}

/** Whether an object of `json` (valid JSON) names a key twice; escaped spellings of a key count as the same key. */
function hasRepeatedKey(json: string): boolean {
  // Per open container: the keys seen for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(json, i);
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const raw = json.slice(i + 1, end);
        const key = raw.includes("\\") ? JSON.parse(`"${raw}"`) as string : raw;
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return false;
}

/** Index of the quote closing the string that starts at `start`. */
function stringEnd(json: string, start: number): number {
  let i = start + 1;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i;
    else i++;
  }
  return i;
}
