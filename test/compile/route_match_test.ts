import assert from "node:assert/strict";
import { compileRouteMatch } from "../../gateway/compile/route_match.ts";
import type { HTTPMatchRequest } from "../../gateway/config/kinds/networking/virtual_service.ts";
import { request } from "../helpers/config.ts";

function matches(
  m: HTTPMatchRequest,
  path: string,
  headers: Record<string, string> = {},
  extra = {},
): boolean {
  return compileRouteMatch(m).test({ ...request("a.com", path, headers), ...extra });
}

Deno.test("compileRouteMatch(): uri exact, prefix (raw string), regex (RE2 full match), ignoreUriCase", () => {
  assert.ok(matches({ uri: { exact: "/a" } }, "/a?x=1"), "query is not part of the path");
  assert.ok(!matches({ uri: { exact: "/a" } }, "/a/"));
  assert.ok(matches({ uri: { prefix: "/api" } }, "/apix"));
  assert.ok(matches({ uri: { regex: "/v[0-9]+/.*" } }, "/v1/x"));
  assert.ok(!matches({ uri: { regex: "/v[0-9]+" } }, "/v1/x"), "regex must match the whole path");
  assert.ok(matches({ uri: { prefix: "/API" }, ignoreUriCase: true }, "/api/x"));
  assert.ok(!matches({ uri: { prefix: "/API" } }, "/api/x"));
});

Deno.test("compileRouteMatch(): headers, presence, withoutHeaders, queryParams", () => {
  assert.ok(matches({ headers: { "end-user": { exact: "jason" } } }, "/", { "end-user": "jason" }));
  assert.ok(
    !matches({ headers: { "end-user": { exact: "jason" } } }, "/", { "end-user": "Jason" }),
    "values are case-sensitive",
  );
  assert.ok(
    matches({ headers: { "X-Token": {} } }, "/", { "x-token": "" }),
    "presence; names are case-insensitive",
  );
  assert.ok(!matches({ headers: { "x-token": {} } }, "/"));
  assert.ok(
    matches({ headers: { "x-token": { regex: "*" } } }, "/", { "x-token": "a" }),
    "regex * is presence",
  );
  assert.ok(
    matches({ withoutHeaders: { "x-debug": { exact: "1" } } }, "/"),
    "missing header counts as empty",
  );
  assert.ok(!matches({ withoutHeaders: { "x-debug": { exact: "1" } } }, "/", { "x-debug": "1" }));
  assert.ok(!matches({ withoutHeaders: { "x-debug": {} } }, "/", { "x-debug": "0" }));
  assert.ok(matches({ queryParams: { v: { exact: "a b" } } }, "/?v=a%20b"), "decoded value");
  assert.ok(matches({ queryParams: { v: {} } }, "/?x=1&v"));
  assert.ok(!matches({ queryParams: { v: { regex: "[0-9]+" } } }, "/?v=1a"));
});

Deno.test("compileRouteMatch(): method, scheme, authority; fields AND together", () => {
  const m: HTTPMatchRequest = {
    method: { exact: "GET" },
    scheme: { exact: "http" },
    authority: { prefix: "a.com" },
  };
  assert.ok(matches(m, "/"));
  assert.ok(!matches(m, "/", {}, { method: "POST" }));
  assert.ok(!matches(m, "/", {}, { scheme: "https" }));
  assert.ok(!matches(m, "/", {}, { authority: "b.com" }));
});

Deno.test("compileRouteMatch(): @request.auth.claims header matches read verified claims", () => {
  const m: HTTPMatchRequest = { headers: { "@request.auth.claims.groups": { exact: "admin" } } };
  assert.ok(!matches(m, "/"), "no verified token, no match");
  assert.ok(matches(m, "/", {}, { claims: { groups: ["dev", "admin"] } }));
  assert.ok(
    !matches(m, "/", { "@request.auth.claims.groups": "admin" }),
    "a client header cannot pose as a claim",
  );
  assert.ok(
    matches({ headers: { "@request.auth.claims.org.name": { exact: "x" } } }, "/", {}, {
      claims: { org: { name: "x" } },
    }),
  );
});

Deno.test("compileRouteMatch(): catch-all detection", () => {
  assert.equal(compileRouteMatch({}).catchAll, true);
  assert.equal(compileRouteMatch({ uri: { prefix: "/" } }).catchAll, true);
  assert.equal(compileRouteMatch({ uri: { regex: ".*" } }).catchAll, true);
  assert.equal(compileRouteMatch({ uri: { prefix: "/a" } }).catchAll, false);
  assert.equal(compileRouteMatch({ uri: { prefix: "/" }, headers: { a: {} } }).catchAll, false);
});
