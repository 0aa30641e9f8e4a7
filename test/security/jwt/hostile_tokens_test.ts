import assert from "node:assert/strict";
import {
  type CompiledJwtRule,
  DEFAULT_SPACE_DELIMITED_CLAIMS,
} from "../../../gateway/compile/request_authn.ts";
import { JwtAuthenticator } from "../../../gateway/security/jwt/authenticator.ts";
import { JwksCache } from "../../../gateway/security/jwt/jwks_cache.ts";
import { JwtFailure } from "../../../gateway/security/jwt/status.ts";
import { parseStructJson } from "../../../gateway/security/jwt/struct_json.ts";
import { b64url, publicKeyPem, signHs256, signRaw, signToken, testKey } from "./helpers.ts";

const ISS = "https://issuer.example.com";
const NOW = 1_800_000_000;
const rs = await testKey("RS256", "rs-1");
const es = await testKey("ES256", "es-1");
const stranger = await testKey("RS256", "rs-9");
const ENCODER = new TextEncoder();

function rule(jwks: string, extra: Partial<CompiledJwtRule> = {}): CompiledJwtRule {
  return {
    source: "test",
    issuer: ISS,
    audiences: ["api"],
    jwks,
    // A header without prefix hands the whole value over, whatever its characters.
    locations: [{ kind: "header", name: "x-jwt", prefix: "" }],
    forwardOriginalToken: false,
    claimToHeaders: [],
    timeoutMs: 5000,
    spaceDelimitedClaims: DEFAULT_SPACE_DELIMITED_CLAIMS,
    ...extra,
  };
}

const noNetwork = new JwksCache({ fetch: () => Promise.reject(new Error("no network in unit tests")) });
/** The JWKS as identity providers publish it: every key with its `kid` and `alg`. */
const withAlg = new JwtAuthenticator([rule(JSON.stringify({ keys: [rs.jwk, es.jwk] }))], noNetwork);
/** The same keys without `alg`, so any algorithm may be tried with them. */
const withoutAlg = new JwtAuthenticator([
  rule(JSON.stringify({ keys: [rs.jwk, es.jwk].map(({ alg: _alg, ...k }) => k) })),
], noNetwork);

/** jwt_verify_lib's text for the token's refusal, or "passed". */
async function outcome(authn: JwtAuthenticator, token: string, now = NOW): Promise<string> {
  try {
    const auth = await authn.authenticate({ header: (n) => (n === "x-jwt" ? token : null), query: "" }, now);
    return auth ? "passed" : "no token";
  } catch (e) {
    assert.ok(e instanceof JwtFailure, String(e));
    return e.status;
  }
}

const header = (alg: string, kid?: string) => JSON.stringify(kid ? { alg, kid } : { alg });
const claims = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ iss: ISS, sub: "alice", aud: "api", exp: NOW + 3600, ...extra });

Deno.test("hostile tokens: every one is refused with jwt_verify_lib's reason", async () => {
  const pem = await publicKeyPem(rs);
  const good = await signRaw(rs, header("RS256", "rs-1"), claims());
  const [h, p, sig] = good.split(".");
  const cases: [string, string | Promise<string>, string][] = [
    // alg "none": unsigned tokens have an empty third section; with one, the algorithm is refused.
    [
      "alg none, no signature",
      `${b64url(header("none"))}.${p}.`,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
    [
      "alg none, with a signature",
      `${b64url(header("none"))}.${p}.${sig}`,
      "Jwt header [alg] is not supported",
    ],
    ["alg None", `${b64url(header("None"))}.${p}.${sig}`, "Jwt header [alg] is not supported"],
    // Key confusion: HS256 with the RSA public key as the HMAC secret.
    [
      "HS256 with the PEM public key",
      signHs256(ENCODER.encode(pem), header("HS256", "rs-1"), claims()),
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    [
      "HS256 with the JWK text",
      signHs256(ENCODER.encode(JSON.stringify(rs.jwk)), header("HS256"), claims()),
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    [
      "RS256 relabelled RS384",
      `${b64url(header("RS384", "rs-1"))}.${p}.${sig}`,
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    [
      "wrong kid",
      signRaw(stranger, header("RS256", "rs-9"), claims()),
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    ["right kid, other key", signRaw(stranger, header("RS256", "rs-1"), claims()), "Jwt verification fails"],
    ["no kid, other key", signRaw(stranger, header("RS256"), claims()), "Jwt verification fails"],
    [
      "signature of another token",
      `${h}.${b64url(claims({ sub: "admin" }))}.${sig}`,
      "Jwt verification fails",
    ],
    // Times, with Envoy's 60 s of clock skew.
    ["expired 61 s ago", signRaw(rs, header("RS256", "rs-1"), claims({ exp: NOW - 61 })), "Jwt is expired"],
    ["valid in 61 s", signRaw(rs, header("RS256", "rs-1"), claims({ nbf: NOW + 61 })), "Jwt not yet valid"],
    [
      "exp as a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ exp: String(NOW - 3600) })),
      "Jwt payload [exp] field is not an integer",
    ],
    [
      "negative exp",
      signRaw(rs, header("RS256", "rs-1"), claims({ exp: -1 })),
      "Jwt payload [exp] field is not a positive 64 bit integer",
    ],
    [
      "nbf as a boolean",
      signRaw(rs, header("RS256", "rs-1"), claims({ nbf: true })),
      "Jwt payload [nbf] field is not an integer",
    ],
    [
      "iat as a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ iat: "now" })),
      "Jwt payload [iat] field is not an integer",
    ],
    // Audience and issuer.
    [
      "wrong audience",
      signRaw(rs, header("RS256", "rs-1"), claims({ aud: "web" })),
      "Audiences in Jwt are not allowed",
    ],
    [
      "no audience",
      signRaw(rs, header("RS256", "rs-1"), claims({ aud: undefined })),
      "Audiences in Jwt are not allowed",
    ],
    [
      "audience not a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ aud: ["api", 7] })),
      "Jwt payload [aud] field is not a string or string list",
    ],
    [
      "wrong issuer",
      signRaw(rs, header("RS256", "rs-1"), claims({ iss: "https://evil.example.com" })),
      "Jwt issuer is not configured",
    ],
    [
      "issuer not a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ iss: ["x"] })),
      "Jwt payload [iss] field is not a string",
    ],
    [
      "sub not a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ sub: { admin: true } })),
      "Jwt payload [sub] field is not a string",
    ],
    [
      "jti not a string",
      signRaw(rs, header("RS256", "rs-1"), claims({ jti: 1 })),
      "Jwt payload [jti] field is not a string",
    ],
    // Structure and encodings.
    [
      "missing signature section",
      `${h}.${p}`,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
    [
      "empty payload section",
      `${h}..${sig}`,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
    [
      "four sections",
      `${good}.${sig}`,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
    [
      "header in standard base64",
      `${btoa(header("RS256", "rs-1") + "??>")}.${p}.${sig}`,
      "Jwt header is an invalid Base64url encoded",
    ],
    ["header of impossible length", `a.${p}.${sig}`, "Jwt header is an invalid Base64url encoded"],
    [
      "payload with a bad character",
      `${h}.${p.slice(0, 4)}*${p.slice(5)}.${sig}`,
      "Jwt payload is an invalid Base64url encoded",
    ],
    [
      "signature with a bad character",
      `${h}.${p}.${sig.slice(0, 10)}!${sig.slice(11)}`,
      "Jwt signature is an invalid Base64url encoded",
    ],
    ["header not JSON", `${b64url('{"alg":"RS256"')}.${p}.${sig}`, "Jwt header is an invalid JSON"],
    ["header a JSON array", `${b64url('["RS256"]')}.${p}.${sig}`, "Jwt header is an invalid JSON"],
    [
      "header without alg",
      `${b64url('{"kid":"rs-1"}')}.${p}.${sig}`,
      "Jwt header [alg] field is required and must be a string",
    ],
    [
      "kid not a string",
      signRaw(rs, '{"alg":"RS256","kid":1}', claims()),
      "Jwt header [kid] field is not a string",
    ],
    ["payload not JSON", signRaw(rs, header("RS256", "rs-1"), "{iss: x}"), "Jwt payload is an invalid JSON"],
    [
      "payload a JSON string",
      signRaw(rs, header("RS256", "rs-1"), '"admin"'),
      "Jwt payload is an invalid JSON",
    ],
    [
      "payload not UTF-8",
      `${h}.${b64url(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))}.${sig}`,
      "Jwt payload is an invalid JSON",
    ],
    // Repeated keys: protobuf's JSON parser refuses them, so a second `sub` cannot override the first.
    [
      "repeated claim",
      signRaw(rs, header("RS256", "rs-1"), claims().replace("}", ',"sub":"admin"}')),
      "Jwt payload is an invalid JSON",
    ],
    [
      "repeated claim, escaped spelling",
      signRaw(rs, header("RS256", "rs-1"), claims().replace("}", ',"s\\u0075b":"admin"}')),
      "Jwt payload is an invalid JSON",
    ],
    [
      "repeated nested claim",
      signRaw(
        rs,
        header("RS256", "rs-1"),
        claims({ realm: {} }).replace('"realm":{}', '"realm":{"r":1,"r":2}'),
      ),
      "Jwt payload is an invalid JSON",
    ],
    [
      "repeated header field",
      signRaw(rs, '{"alg":"RS256","alg":"none","kid":"rs-1"}', claims()),
      "Jwt header is an invalid JSON",
    ],
  ];
  assert.equal(await outcome(withAlg, good), "passed", "the untampered token verifies");
  for (const [name, token, reason] of cases) {
    assert.equal(await outcome(withAlg, await token), reason, name);
  }
});

Deno.test("hostile tokens: key confusion against a JWKS without alg fails verification instead", async () => {
  const pem = await publicKeyPem(rs);
  const forged = await signHs256(ENCODER.encode(pem), header("HS256", "rs-1"), claims());
  assert.equal(await outcome(withoutAlg, forged), "Jwt verification fails");
  const esAsRs = await signRaw(es, header("RS256", "es-1"), claims());
  assert.equal(await outcome(withoutAlg, esAsRs), "Jwt verification fails");
  assert.equal(await outcome(withoutAlg, await signRaw(es, header("ES256", "es-1"), claims())), "passed");
});

Deno.test("hostile tokens: the 60 s of clock skew are inclusive at both ends", async () => {
  const at = (extra: Record<string, unknown>) => signRaw(rs, header("RS256", "rs-1"), claims(extra));
  assert.equal(await outcome(withAlg, await at({ exp: NOW - 60 })), "passed");
  assert.equal(await outcome(withAlg, await at({ nbf: NOW + 60 })), "passed");
  assert.equal(await outcome(withAlg, await at({ exp: NOW - 60.9 })), "Jwt is expired", "exp is truncated");
  assert.equal(await outcome(withAlg, await at({ exp: 0 })), "passed", "exp 0 means no expiry, as in Envoy");
});

Deno.test("hostile tokens: an oversize token is parsed and refused like any other", async () => {
  const big = await signRaw(stranger, header("RS256", "rs-1"), claims({ pad: "x".repeat(200_000) }));
  assert.equal(await outcome(withAlg, big), "Jwt verification fails");
  const bigValid = await signToken(rs, { iss: ISS, aud: "api", exp: NOW + 60, pad: "x".repeat(30_000) });
  assert.equal(await outcome(withAlg, bigValid), "passed", "jwt_authn itself has no size limit");
});

Deno.test("struct JSON: repeated keys are refused at any depth, other JSON as JSON.parse reads it", () => {
  assert.deepEqual(parseStructJson('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}'), {
    a: 1,
    b: { a: 2 },
    c: [{ a: 3 }, { a: 4 }],
  });
  assert.deepEqual(parseStructJson('{"a\\"b":1,"a,b":"x,\\"y\\":{","k":"}"}'), {
    'a"b': 1,
    "a,b": 'x,"y":{',
    k: "}",
  });
  for (
    const bad of [
      '{"a":1,"a":2}',
      '{"a":{"b":1,"b":1}}',
      '[{"x":1,"x":1}]',
      '{"a":1,"\\u0061":2}',
      "[]",
      "1",
      "{",
    ]
  ) {
    assert.equal(parseStructJson(bad), undefined, bad);
  }
});
