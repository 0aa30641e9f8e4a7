import assert from "node:assert/strict";
import {
  type CompiledJwtRule,
  DEFAULT_LOCATIONS,
  DEFAULT_SPACE_DELIMITED_CLAIMS,
} from "../../../gateway/compile/request_authn.ts";
import { JwtAuthenticator } from "../../../gateway/security/jwt/authenticator.ts";
import { JwksCache } from "../../../gateway/security/jwt/jwks_cache.ts";
import { JwtFailure } from "../../../gateway/security/jwt/status.ts";
import { jwksOf, signToken, testKey } from "./helpers.ts";

const ISS = "https://issuer.example.com";
const rs = await testKey("RS256", "rs-1");
const es = await testKey("ES256", "es-1");
const other = await testKey("RS256", "rs-2");

function rule(extra: Partial<CompiledJwtRule> = {}): CompiledJwtRule {
  return {
    source: "test",
    issuer: ISS,
    audiences: [],
    jwks: jwksOf(rs, es),
    locations: DEFAULT_LOCATIONS,
    forwardOriginalToken: false,
    claimToHeaders: [],
    timeoutMs: 5000,
    spaceDelimitedClaims: DEFAULT_SPACE_DELIMITED_CLAIMS,
    ...extra,
  };
}

function bearer(token: string) {
  return { header: (n: string) => (n === "authorization" ? `Bearer ${token}` : null), query: "" };
}

async function failure(authn: JwtAuthenticator, token: string): Promise<string> {
  try {
    await authn.authenticate(bearer(token));
  } catch (e) {
    assert.ok(e instanceof JwtFailure, String(e));
    return e.status;
  }
  return "passed";
}

const cache = new JwksCache({ fetch: () => Promise.reject(new Error("no network in unit tests")) });

Deno.test("jwt: RS256 and ES256 tokens verify; claims, principal and header outputs", async () => {
  const authn = new JwtAuthenticator([
    rule({ outputPayloadToHeader: "x-jwt-payload", claimToHeaders: [{ header: "x-sub", claim: "sub" }] }),
  ], cache);
  for (const key of [rs, es]) {
    const token = await signToken(key, { iss: ISS, sub: "alice", groups: ["admin"] });
    const auth = await authn.authenticate(bearer(token));
    assert.ok(auth);
    assert.equal(auth.principal, `${ISS}/alice`);
    assert.deepEqual(auth.claims.groups, ["admin"]);
    assert.deepEqual(auth.remove, ["authorization"]);
    assert.deepEqual(auth.removeParams, []);
    assert.deepEqual(auth.set, [["x-jwt-payload", token.split(".")[1]], ["x-sub", "alice"]]);
  }
  assert.equal(await authn.authenticate({ header: () => null, query: "" }), undefined, "no token: passes");
});

Deno.test("jwt: jwt_verify_lib's reasons for bad tokens", async () => {
  const authn = new JwtAuthenticator([rule({ audiences: ["api"] })], cache);
  const now = Math.floor(Date.now() / 1000);
  const cases: [Promise<string> | string, string][] = [
    [signToken(rs, { iss: ISS, aud: "api", exp: now - 120 }), "Jwt is expired"],
    [signToken(rs, { iss: ISS, aud: "api", nbf: now + 120 }), "Jwt not yet valid"],
    [signToken(rs, { iss: "https://other", aud: "api" }), "Jwt issuer is not configured"],
    [signToken(rs, { iss: ISS, aud: "web" }), "Audiences in Jwt are not allowed"],
    [signToken(other, { iss: ISS, aud: "api" }), "Jwks doesn't have key to match kid or alg from Jwt"],
    [signToken(other, { iss: ISS, aud: "api" }, "rs-1"), "Jwt verification fails"],
    ["abc.def", "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"],
    ["a.e30.sig", "Jwt header is an invalid Base64url encoded"],
    [`${btoa('{"alg":"none"}').replace(/=+$/, "")}.e30.c2ln`, "Jwt header [alg] is not supported"],
  ];
  for (const [token, reason] of cases) assert.equal(await failure(authn, await token), reason, reason);
  // Within Envoy's 60 s of clock skew, a token just expired still passes.
  assert.equal(await failure(authn, await signToken(rs, { iss: ISS, aud: "api", exp: now - 30 })), "passed");
});

Deno.test("jwt: an audience error answers 403, others 401; details name the reason", () => {
  const aud = new JwtFailure("Audiences in Jwt are not allowed");
  assert.equal(aud.httpStatus, 403);
  const exp = new JwtFailure("Jwt is expired");
  assert.equal(exp.httpStatus, 401);
  assert.equal(exp.details, "jwt_authn_access_denied{Jwt_is_expired}");
});

Deno.test("jwt: a JWKS that cannot be fetched makes tokens fail verification (istiod's fake key)", async () => {
  const authn = new JwtAuthenticator([rule({ jwks: undefined, jwksUri: "http://127.0.0.1:1/jwks" })], cache);
  const token = await signToken(rs, { iss: ISS }, undefined);
  assert.equal(await failure(authn, token), "Jwt verification fails");
});

Deno.test("jwt: remote JWKS fetched once, kept, refreshed when due, last good keys kept on failure", async () => {
  let now = 0;
  let calls = 0;
  let fail = false;
  const remote = new JwksCache({
    now: () => now,
    refreshMs: 1000,
    fetch: () => {
      calls++;
      return Promise.resolve(fail ? new Response("down", { status: 503 }) : new Response(jwksOf(rs)));
    },
  });
  const authn = new JwtAuthenticator([rule({ jwks: undefined, jwksUri: "http://jwks.test/keys" })], remote);
  const token = await signToken(rs, { iss: ISS });
  assert.ok(await authn.authenticate(bearer(token)));
  assert.ok(await authn.authenticate(bearer(token)));
  assert.equal(calls, 1);
  fail = true;
  now = 2000;
  assert.ok(await authn.authenticate(bearer(token)), "refresh runs in the background; keys still served");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls, 2);
  assert.ok(await authn.authenticate(bearer(token)), "a failed refresh keeps the last good keys");
});

Deno.test("jwt: space-delimited claims become lists for matching; other outputs keep the token's claims", async () => {
  const authn = new JwtAuthenticator([
    rule({
      spaceDelimitedClaims: ["scope", "permission", "roles"],
      claimToHeaders: [{ header: "x-scope", claim: "scope" }],
    }),
  ], cache);
  const token = await signToken(rs, {
    iss: ISS,
    sub: "alice",
    scope: "read  write",
    roles: "admin",
    permission: " ",
    other: "x y",
  });
  const auth = await authn.authenticate(bearer(token));
  assert.ok(auth);
  assert.deepEqual(auth.claims.scope, ["read", "write"]);
  assert.deepEqual(auth.claims.roles, ["admin"]);
  assert.equal(auth.claims.permission, " ", "no words: the string stays");
  assert.equal(auth.claims.other, "x y", "unlisted claims stay strings");
  assert.deepEqual(auth.set, [["x-scope", "read  write"]]);
});

Deno.test("jwt: a query parameter token is removed unless forwarded; a cookie token stays", async () => {
  const token = await signToken(rs, { iss: ISS });
  const inParam = { header: () => null, query: `a=1&access_token=${token}` };
  const removed = await new JwtAuthenticator([rule()], cache).authenticate(inParam);
  assert.deepEqual([removed?.remove, removed?.removeParams], [[], ["access_token"]]);
  const kept = await new JwtAuthenticator([rule({ forwardOriginalToken: true })], cache).authenticate(
    inParam,
  );
  assert.deepEqual([kept?.remove, kept?.removeParams], [[], []]);
  const cookieRule = rule({ locations: [{ kind: "cookie", name: "jwt" }] });
  const cookie = await new JwtAuthenticator([cookieRule], cache).authenticate({
    header: (n) => (n === "cookie" ? `jwt=${token}` : null),
    query: "",
  });
  assert.deepEqual([cookie?.remove, cookie?.removeParams], [[], []]);
});

Deno.test("jwt: OpenID discovery finds the keys of a rule with only an issuer", async () => {
  const fetched: string[] = [];
  const documents: Record<string, string> = {
    [`${ISS}/.well-known/openid-configuration`]: JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/keys` }),
    [`${ISS}/keys`]: jwksOf(rs),
  };
  const remote = new JwksCache({
    fetch: (input) => {
      const url = String(input);
      fetched.push(url);
      const body = documents[url];
      return Promise.resolve(body ? new Response(body) : new Response("missing", { status: 404 }));
    },
  });
  const authn = new JwtAuthenticator([rule({ jwks: undefined })], remote);
  const token = await signToken(rs, { iss: ISS, sub: "alice" });
  assert.equal((await authn.authenticate(bearer(token)))?.principal, `${ISS}/alice`);
  assert.ok(await authn.authenticate(bearer(token)));
  assert.deepEqual(fetched, [`${ISS}/.well-known/openid-configuration`, `${ISS}/keys`], "both kept");

  const slash = new JwtAuthenticator([rule({ jwks: undefined, issuer: `${ISS}/` })], remote);
  assert.equal(await failure(slash, await signToken(rs, { iss: `${ISS}/` })), "passed");
  assert.equal(fetched.at(-1), `${ISS}/.well-known/openid-configuration`, "a trailing slash is not doubled");

  const unknown = new JwtAuthenticator(
    [rule({ jwks: undefined, issuer: "https://nowhere.example" })],
    remote,
  );
  assert.equal(
    await failure(unknown, await signToken(rs, { iss: "https://nowhere.example" })),
    "Jwt verification fails",
    "failed discovery: istiod's stand-in key",
  );
});
