/**
 * Checks on an inline JWKS (`RequestAuthentication.jwtRules[].jwks`) as istiod makes them with its JWK
 * library: a key set `{"keys": [...]}` or a single key, each with a known `kty` and its required members.
 * @module
 */

const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  OKP: ["crv", "x"],
  oct: ["k"],
};

function keysOf(jwks: string): { keys?: unknown[]; error?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch (e) {
    return { error: `failed to unmarshal JWK set: ${(e as Error).message}` };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { error: "failed to unmarshal JWK set: expected a JSON object" };
  }
  const obj = doc as Record<string, unknown>;
  if ("keys" in obj) {
    if (!Array.isArray(obj.keys)) return { error: "failed to unmarshal JWK set: `keys` must be an array" };
    return { keys: obj.keys };
  }
  return { keys: [obj] };
}

/** Why an inline JWKS would not parse, or undefined when it does. */
export function jwksError(jwks: string): string | undefined {
  const { keys, error } = keysOf(jwks);
  if (error) return error;
  for (const [i, key] of (keys ?? []).entries()) {
    if (key === null || typeof key !== "object" || Array.isArray(key)) {
      return `failed to parse key #${i}: expected a JSON object`;
    }
    const k = key as Record<string, unknown>;
    if (typeof k.kty !== "string") return `failed to parse key #${i}: invalid key: "kty" is missing`;
    const required = REQUIRED_MEMBERS[k.kty];
    if (!required) return `failed to parse key #${i}: invalid key type from JSON (${k.kty})`;
    const missing = required.find((m) => typeof k[m] !== "string");
    if (missing) return `failed to parse key #${i}: required field ${missing} is missing`;
  }
  return undefined;
}

/** The indexes of keys that carry private material (`d`, or a symmetric `oct` key). */
export function jwksPrivateKeyIndexes(jwks: string): number[] {
  const { keys } = keysOf(jwks);
  if (!keys || jwksError(jwks)) return [];
  return keys.flatMap((key, i) => {
    const k = key as Record<string, unknown>;
    return k.kty === "oct" || k.d !== undefined ? [i] : [];
  });
}
