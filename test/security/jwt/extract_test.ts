import assert from "node:assert/strict";
import { DEFAULT_LOCATIONS, type TokenLocation } from "../../../gateway/compile/request_authn.ts";
import { extractAt, extractTokens, withoutQueryParams } from "../../../gateway/security/jwt/extract.ts";

function source(headers: Record<string, string>, query = "") {
  const h = new Headers(headers);
  return { header: (n: string) => h.get(n), query };
}

Deno.test("extract: default locations are Authorization Bearer, then access_token", () => {
  assert.deepEqual(
    extractTokens(source({ authorization: "Bearer a.b.c" }, "access_token=d.e.f"), DEFAULT_LOCATIONS)
      .map((t) => t.token),
    ["a.b.c", "d.e.f"],
  );
  assert.deepEqual(extractTokens(source({ authorization: "Basic Zm9v" }), DEFAULT_LOCATIONS), []);
  assert.deepEqual(extractTokens(source({}), DEFAULT_LOCATIONS), []);
});

Deno.test("extract: header prefix, the token ends at the first non-token character", () => {
  const loc: TokenLocation = { kind: "header", name: "x-jwt", prefix: "Token " };
  assert.equal(extractAt(source({ "x-jwt": "Token a.b.c, other" }), loc), "a.b.c");
  assert.equal(extractAt(source({ "x-jwt": "a.b.c" }), loc), undefined);
  assert.equal(
    extractAt(source({ "x-jwt": " a.b.c " }), { kind: "header", name: "x-jwt", prefix: "" }),
    "a.b.c",
  );
});

Deno.test("extract: query parameters and cookies", () => {
  assert.equal(extractAt(source({}, "x=1&tok=a.b.c"), { kind: "param", name: "tok" }), "a.b.c");
  assert.equal(extractAt(source({}, "tok="), { kind: "param", name: "tok" }), undefined);
  const cookie = source({ cookie: "session=1; jwt=a.b.c; other=2" });
  assert.equal(extractAt(cookie, { kind: "cookie", name: "jwt" }), "a.b.c");
  assert.equal(extractAt(cookie, { kind: "cookie", name: "missing" }), undefined);
});

Deno.test("extract: a token parameter is removed from the path, the other parameters kept as sent", () => {
  assert.equal(withoutQueryParams("/p?a=1&access_token=x.y.z&b=%20", ["access_token"]), "/p?a=1&b=%20");
  assert.equal(withoutQueryParams("/p?access_token=x&access_token=y", ["access_token"]), "/p");
  assert.equal(
    withoutQueryParams("/p?acc%65ss_token=x&c", ["access_token"]),
    "/p?c",
    "names compare decoded",
  );
  assert.equal(withoutQueryParams("/p?a=1&&tok=2", ["tok"]), "/p?a=1");
  assert.equal(withoutQueryParams("/p?a=1", []), "/p?a=1");
  assert.equal(withoutQueryParams("/p", ["tok"]), "/p");
});
