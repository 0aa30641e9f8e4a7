import assert from "node:assert/strict";
import type { PathNormalization } from "../../gateway/config/mesh/types.ts";
import {
  canonicalizePath,
  mergeSlashes,
  normalizePath,
  stripDotSegmentParameters,
  unescapeSlashes,
} from "../../gateway/proxy/path_normalization.ts";

const MODES: readonly PathNormalization[] = ["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"];
const REJECTED = 400;
type Outcome = string | typeof REJECTED;

/** The bypass vectors of istio-semantics §3.3 that reach the path: `:path` → outcome per mode (NONE, BASE, MERGE, DECODE). */
const VECTORS: readonly (readonly [string, Outcome, Outcome, Outcome, Outcome])[] = [
  ["/admin", "/admin", "/admin", "/admin", "/admin"],
  ["//admin", "//admin", "//admin", "/admin", "/admin"],
  ["///admin", "///admin", "///admin", "/admin", "/admin"],
  ["/./admin", "/./admin", "/admin", "/admin", "/admin"],
  ["/public/../admin", "/public/../admin", "/admin", "/admin", "/admin"],
  ["/admin/.", "/admin/.", "/admin/", "/admin/", "/admin/"],
  ["/%2e/admin", "/%2e/admin", "/admin", "/admin", "/admin"],
  ["/%2E%2E/admin", "/%2E%2E/admin", "/admin", "/admin", "/admin"],
  ["/public/%2e%2e/admin", "/public/%2e%2e/admin", "/admin", "/admin", "/admin"],
  ["/%61dmin", "/%61dmin", "/admin", "/admin", "/admin"],
  ["/ADMIN", "/ADMIN", "/ADMIN", "/ADMIN", "/ADMIN"],
  ["/admin%2F", "/admin%2F", "/admin%2F", "/admin%2F", "/admin/"],
  ["/%2Fadmin", "/%2Fadmin", "/%2Fadmin", "/%2Fadmin", "/admin"],
  ["/public%2F..%2Fadmin", "/public%2F..%2Fadmin", "/public%2F..%2Fadmin", "/public%2F..%2Fadmin", "/admin"],
  // Deno.serve answers 400 to a target without a leading "/" (Envoy: 404); the function alone resolves it.
  ["\\admin", "\\admin", "/admin", "/admin", "/admin"],
  ["/public\\..\\admin", "/public\\..\\admin", "/admin", "/admin", "/admin"],
  ["/%5Cadmin", "/%5Cadmin", "/%5Cadmin", "/%5Cadmin", "/admin"],
  ["/admin#x", "/admin", "/admin", "/admin", "/admin"],
  ["/admin%23x", "/admin%23x", "/admin%23x", "/admin%23x", "/admin%23x"],
  ["/admin?x=1", "/admin?x=1", "/admin?x=1", "/admin?x=1", "/admin?x=1"],
  [
    "/admin;jsessionid=1",
    "/admin;jsessionid=1",
    "/admin;jsessionid=1",
    "/admin;jsessionid=1",
    "/admin;jsessionid=1",
  ],
  ["/admin%00", "/admin%00", REJECTED, REJECTED, REJECTED],
  ["/%252Fadmin", "/%252Fadmin", "/%252Fadmin", "/%252Fadmin", "/%252Fadmin"],
  ["/%c0%af", "/%c0%af", "/%c0%af", "/%c0%af", "/%c0%af"],
  ["/public/..%2Fadmin", "/public/..%2Fadmin", "/public/..%2Fadmin", "/public/..%2Fadmin", "/admin"],
  ["/public/..;x/admin", "/public/..;x/admin", "/admin", "/admin", "/admin"],
  ["/admin?x=/../../y#z", "/admin?x=/../../y", "/admin?x=/../../y", "/admin?x=/../../y", "/admin?x=/../../y"],
  ["/a//b/../c?q=a//b", "/a//b/../c?q=a//b", "/a//c?q=a//b", "/a/c?q=a//b", "/a/c?q=a//b"],
];

Deno.test("path normalization: every §3.3 vector in every mode", () => {
  for (const [input, ...expected] of VECTORS) {
    MODES.forEach((mode, i) => {
      assert.equal(normalizePath(input, mode) ?? REJECTED, expected[i], `${input} in ${mode}`);
    });
  }
});

Deno.test("path normalization: paths with nothing to normalize come back as the same string", () => {
  for (const path of ["/", "/productpage", "/api/v1/users?id=7&x=y", "/a-b_c~d/E9"]) {
    for (const mode of MODES) assert.equal(normalizePath(path, mode), path);
  }
});

Deno.test("path normalization: Chromium canonicalization as Envoy's path utility tests expect", () => {
  const cases: [string, string][] = [
    ["/a/b/../c", "/a/c"],
    ["/a/b/./c", "/a/b/c"],
    ["a/b/../c", "/a/c"],
    ["/a/b/../../../../c", "/c"],
    ["/a/..\\c", "/c"],
    ["/%c0%af", "/%c0%af"],
    ["/%5c%25", "/%5c%25"],
    ["/a/b/%2E%2E/c", "/a/c"],
    ["/A/B/C", "/A/B/C"],
    ["/a/%2F%2f/c", "/a/%2F%2f/c"],
    ["", "/"],
    ["/a/...", "/a/..."],
    ["/a/.b/..c/c..", "/a/.b/..c/c.."],
    ["/x%2e%2e", "/x.."],
    ['/a"<>^`{|}b', "/a%22%3C%3E%5E%60%7B%7C%7Db"],
    ["/a\x01\x7fb", "/a%01%7Fb"],
    ["/é/日本", "/%C3%A9/%E6%97%A5%E6%9C%AC"],
    ["/%7e%2d%5f%30%5A", "/~-_0Z"],
    ["/%3a%40%21%2b", "/%3a%40%21%2b"],
    ["/a%zz/%4", "/a%zz/%4"],
    // A stray "%" that decoding would turn into a new escape becomes "%25".
    ["/%%30%30", "/%2500"],
    ["/%%300", "/%2500"],
    ["/%3%30", "/%2530"],
    ["/%%zz", "/%%zz"],
  ];
  for (const [input, expected] of cases) assert.equal(canonicalizePath(input), expected, input);
  for (const invalid of ["/xyz/.%00../abc", "/xyz/%00.%00./abc", "/xyz/AAAAA%%0000/abc", "/a\x00b"]) {
    assert.equal(canonicalizePath(invalid), undefined, JSON.stringify(invalid));
  }
});

Deno.test("path normalization: parameters of dot segments, escaped slashes, merged slashes", () => {
  const dots: [string, string][] = [
    ["/xyz/..;foo=bar/abc", "/xyz/../abc"],
    ["/..;foo=bar/abc", "/../abc"],
    ["/xyz/..;", "/xyz/.."],
    ["/a/..;p1;p2/b", "/a/../b"],
    ["/xyz/..foo", "/xyz/..foo"],
    ["/xyz/...;foo", "/xyz/...;foo"],
    ["/xyz/.;foo=bar/abc", "/xyz/./abc"],
    ["/a/b;c=d/e", "/a/b;c=d/e"],
  ];
  for (const [input, expected] of dots) assert.equal(stripDotSegmentParameters(input), expected, input);
  assert.equal(normalizePath("/xyz/..;foo=bar/.;fff=zzz/remain;blah?query", "BASE"), "/remain;blah?query");

  const slashes: [string, string][] = [
    ["%2f%2F", "//"],
    ["/a%2Fb%2fc/", "/a/b/c/"],
    ["%2b", "%2b"],
    ["%%2fa/", "%/a/"],
    ["%2%2fa/", "%2/a/"],
    ["%5c%5C", "\\\\"],
    ["/x/%2E%2e/z%2f%2Fabc%5C../def", "/x/%2E%2e/z//abc\\../def"],
  ];
  for (const [input, expected] of slashes) assert.equal(unescapeSlashes(input), expected, input);

  const merged: [string, string][] = [
    ["", ""],
    ["a//b/c", "a/b/c"],
    ["/a//b/c/", "/a/b/c/"],
    ["//a/b/c", "/a/b/c"],
    ["/a/b/c//", "/a/b/c/"],
    ["/a////b/c", "/a/b/c"],
    ["//", "//"],
  ];
  for (const [input, expected] of merged) assert.equal(mergeSlashes(input), expected, input);
  assert.equal(normalizePath("/a//b?a=///c", "MERGE_SLASHES"), "/a/b?a=///c", "the query keeps its slashes");
});
