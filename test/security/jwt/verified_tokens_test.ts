import assert from "node:assert/strict";
import { DEFAULT_LOCATIONS, DEFAULT_SPACE_DELIMITED_CLAIMS } from "../../../gateway/compile/request_authn.ts";
import { JwtAuthenticator } from "../../../gateway/security/jwt/authenticator.ts";
import { JwksCache } from "../../../gateway/security/jwt/jwks_cache.ts";
import { JwtFailure } from "../../../gateway/security/jwt/status.ts";
import { VerifiedTokens } from "../../../gateway/security/jwt/verified_tokens.ts";
import { jwksOf, signToken, testKey } from "./helpers.ts";

const ISS = "https://issuer.example.com";
const rs = await testKey("RS256", "rs-1");
const next = await testKey("RS256", "rs-2");

function bearer(token: string) {
  return { header: (n: string) => (n === "authorization" ? `Bearer ${token}` : null), query: "" };
}

async function reason(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return "passed";
  } catch (e) {
    assert.ok(e instanceof JwtFailure, String(e));
    return e.status;
  }
}

Deno.test("verified tokens: least recently used goes first; a zero capacity keeps nothing", () => {
  const cache = new VerifiedTokens<number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1);
  cache.set("c", 3);
  assert.deepEqual([cache.get("a"), cache.get("b"), cache.get("c"), cache.size], [1, undefined, 3, 2]);
  const none = new VerifiedTokens<number>(0);
  none.set("a", 1);
  assert.equal(none.get("a"), undefined);
});

Deno.test("verified tokens: a kept token still expires, and is verified again after a key rotation", async () => {
  let now = 0;
  let published = jwksOf(rs);
  const remote = new JwksCache({
    now: () => now,
    refreshMs: 1000,
    fetch: () => Promise.resolve(new Response(published)),
  });
  const authn = new JwtAuthenticator([{
    source: "test",
    issuer: ISS,
    audiences: [],
    jwksUri: "https://issuer.example.com/keys",
    locations: DEFAULT_LOCATIONS,
    forwardOriginalToken: false,
    claimToHeaders: [],
    timeoutMs: 5000,
    spaceDelimitedClaims: DEFAULT_SPACE_DELIMITED_CLAIMS,
  }], remote);
  const t0 = 1_800_000_000;
  const token = await signToken(rs, { iss: ISS, sub: "alice", exp: t0 + 100 });
  assert.equal(await reason(authn.authenticate(bearer(token), t0)), "passed");
  assert.equal(await reason(authn.authenticate(bearer(token), t0 + 150)), "passed", "within the skew");
  assert.equal(await reason(authn.authenticate(bearer(token), t0 + 161)), "Jwt is expired");

  const fresh = await signToken(rs, { iss: ISS, sub: "bob" });
  assert.equal(await reason(authn.authenticate(bearer(fresh))), "passed");
  published = jwksOf(next);
  now = 2000;
  await authn.authenticate(bearer(fresh)); // starts the background refresh
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(
    await reason(authn.authenticate(bearer(fresh))),
    "Jwks doesn't have key to match kid or alg from Jwt",
    "the rotated-out key no longer vouches for the kept token",
  );
});
