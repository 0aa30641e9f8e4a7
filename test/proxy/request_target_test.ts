import assert from "node:assert/strict";
import { requestTarget } from "../../gateway/proxy/request_target.ts";

Deno.test("request target: origin-form keeps the raw target after the Host header", () => {
  assert.deepEqual(requestTarget("http://h.example/a/../b?x=1", "h.example"), {
    authority: "h.example",
    fullPath: "/a/../b?x=1",
  });
  assert.deepEqual(requestTarget("http://h.example//admin#x", "h.example"), {
    authority: "h.example",
    fullPath: "//admin#x",
  });
  // A "/" inside the Host header does not move the start of the path.
  assert.deepEqual(requestTarget("http://a/admin/x", "a/admin"), { authority: "a/admin", fullPath: "/x" });
});

Deno.test("request target: absolute-form takes the target's authority, as Envoy does", () => {
  assert.deepEqual(requestTarget("http://other.example:9/admin", "h.example"), {
    authority: "other.example:9",
    fullPath: "/admin",
  });
  assert.deepEqual(requestTarget("http://o.example?x=1", "h"), { authority: "o.example", fullPath: "/?x=1" });
  assert.deepEqual(requestTarget("http://h.example.evil/x", "h.example"), {
    authority: "h.example.evil",
    fullPath: "/x",
  });
});

Deno.test("request target: HTTP/2 (no Host header) and a missing Host use the URL's authority", () => {
  assert.deepEqual(requestTarget("http://h.example/p", null), { authority: "h.example", fullPath: "/p" });
  assert.deepEqual(requestTarget("http://localhost:8080/p", ""), {
    authority: "localhost:8080",
    fullPath: "/p",
  });
  assert.deepEqual(requestTarget("https://h.example", null), { authority: "h.example", fullPath: "/" });
});
