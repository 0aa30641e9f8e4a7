/**
 * RequestAuthentication cost per request with a warm key cache, for RS256 (2048-bit) and ES256 tokens of a
 * typical size: parsing alone (sections, base64url, JSON without repeated keys, claim types); a full check of
 * a token not seen before (extraction, parsing, time and audience checks, the signature with a key imported
 * once); and a token sent again, which the verified-token cache answers. The first requests (key import) are
 * not timed. Pass `--requests N` to change the count.
 * Run: `deno run -A bench/jwt.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_LOCATIONS, DEFAULT_SPACE_DELIMITED_CLAIMS } from "../gateway/compile/request_authn.ts";
import { JwtAuthenticator } from "../gateway/security/jwt/authenticator.ts";
import { JwksCache } from "../gateway/security/jwt/jwks_cache.ts";
import { parseJwt } from "../gateway/security/jwt/token.ts";
import { jwksOf, signToken, type TestKey, testKey } from "../test/security/jwt/helpers.ts";

const ISS = "https://issuer.example.com";

async function time(label: string, n: number, run: () => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < Math.max(10, n / 10); i++) await run();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run();
  const us = (performance.now() - t0) * 1000 / n;
  console.log(`${label.padEnd(52)} ${us.toFixed(1)} µs per request`);
}

async function tokenFor(key: TestKey): Promise<string> {
  return await signToken(key, {
    iss: ISS,
    sub: "user-7f3a9c",
    aud: ["api", "web"],
    scope: "openid profile email orders:read",
    groups: ["dev", "ops"],
    email: "user@example.com",
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { requests: { type: "string", default: "5000" } },
  });
  const n = Number(values.requests);
  const rs = await testKey("RS256", "rs-1");
  const es = await testKey("ES256", "es-1");
  const rule = {
    source: "bench",
    issuer: ISS,
    audiences: ["api"],
    jwks: jwksOf(rs, es),
    locations: DEFAULT_LOCATIONS,
    forwardOriginalToken: false,
    claimToHeaders: [],
    timeoutMs: 5000,
    spaceDelimitedClaims: DEFAULT_SPACE_DELIMITED_CLAIMS,
  };
  const noFetch = new JwksCache({ fetch: () => Promise.reject(new Error("inline keys only")) });
  const uncached = new JwtAuthenticator([rule], noFetch, 0);
  const cached = new JwtAuthenticator([rule], noFetch);
  for (const [name, key] of [["RS256", rs], ["ES256", es]] as const) {
    const token = await tokenFor(key);
    const source = { header: (h: string) => (h === "authorization" ? `Bearer ${token}` : null), query: "" };
    await time(`parse only (${name}, ${token.length} bytes)`, n * 10, () => parseJwt(token));
    await time(`authenticate, new token (${name})`, n, () => uncached.authenticate(source));
    await time(`authenticate, token seen before (${name})`, n * 10, () => cached.authenticate(source));
  }
}
