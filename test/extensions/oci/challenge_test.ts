import assert from "node:assert/strict";
import { parseChallenges } from "../../../gateway/extensions/oci/challenge.ts";

Deno.test("WWW-Authenticate: a Bearer challenge with a quoted scope holding commas", () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/app:pull,push"',
    ),
    [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:samalba/app:pull,push",
      },
    }],
  );
});

Deno.test("WWW-Authenticate: several challenges, token values, spaces, escapes and case", () => {
  assert.deepEqual(
    parseChallenges('Basic realm="Registry Realm", BEARER Realm = "https://a/t" , error=invalid_token'),
    [
      { scheme: "basic", params: { realm: "Registry Realm" } },
      { scheme: "bearer", params: { realm: "https://a/t", error: "invalid_token" } },
    ],
  );
  assert.deepEqual(parseChallenges('Basic realm="say \\"hi\\""'), [{
    scheme: "basic",
    params: { realm: 'say "hi"' },
  }]);
});

Deno.test("WWW-Authenticate: empty and malformed headers give what can be read", () => {
  assert.deepEqual(parseChallenges(""), []);
  assert.deepEqual(parseChallenges("Negotiate"), [{ scheme: "negotiate", params: {} }]);
  assert.deepEqual(parseChallenges('=x, Bearer realm="r'), [{ scheme: "x", params: {} }, {
    scheme: "bearer",
    params: { realm: "r" },
  }]);
});
